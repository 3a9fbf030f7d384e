package org.smartbff.testsupport.fake;

import java.util.LinkedHashMap;
import java.util.Map;

import org.smartbff.testsupport.fake.FakeSmartServer.FhirFault;
import org.smartbff.testsupport.fake.FakeSmartServer.RecordedRequest;

import io.vertx.core.json.JsonObject;

/**
 * The FHIR server under {@code /fhir}: behind a bearer check, the one patient, searches over sample Bundles, and the
 * test behaviours a query parameter {@code _fake} picks on any FHIR-shaped path (so a proxy that only forwards what
 * the session's scopes allow still reaches them): {@code echo}, {@code big}, {@code slow}, {@code redirect},
 * {@code redirect-inside}. Touched under the fake's lock.
 */
final class FhirEndpoint {

    static final String REDIRECT_TARGET = "https://elsewhere.example/steal";
    private static final int MAX_BIG_MEBIBYTES = 4096;
    /** {@code _fake=dribble}: a search's Bundle written this many bytes at a time. */
    private static final int DRIBBLE_PIECE_BYTES = 13;

    private final Identity identity;
    private final Tokens tokens;
    private final Searches searches;
    private final String patientJson = Searches.classpathResource("/fhir/Patient-" + Identity.PATIENT_ID + ".json");
    // knobs
    FhirFault fault;
    int hangUpsLeft;

    FhirEndpoint(Identity identity, Tokens tokens, Searches searches) {
        this.identity = identity;
        this.tokens = tokens;
        this.searches = searches;
        restoreKnobs();
    }

    void restoreKnobs() {
        fault = FhirFault.NONE;
        hangUpsLeft = 0;
    }

    static boolean isUnderFhir(String path) {
        return path.equals("/fhir") || path.startsWith("/fhir/");
    }

    Outcome handle(RecordedRequest r) {
        if (hangUpsLeft > 0) {
            hangUpsLeft--;
            return new Outcome.HangUp();
        }
        return switch (fault) {
            case HANG_UP -> new Outcome.HangUp();
            case SLOW -> new Outcome.NoAnswer();
            case CLOSE_MID_BODY -> new Outcome.CutShort();
            case NONE -> withUpstreamCookie(resource(r));
        };
    }

    private Outcome resource(RecordedRequest r) {
        if (!tokens.isLive(r.bearerToken())) {
            return Outcome.operationOutcome(401, "login", "a valid bearer access token is required")
                    .withHeader("WWW-Authenticate", "Bearer");
        }
        Map<String, String> query = Forms.parse(r.query());
        String fake = query.get("_fake");
        if (fake != null) {
            switch (fake) {
                case "echo":
                    return echo(r);
                case "big":
                    return bigBundle(query);
                case "slow":
                    return new Outcome.NoAnswer();
                case "redirect":
                    return Outcome.redirect(REDIRECT_TARGET);
                case "redirect-inside":
                    return Outcome.redirect(identity.fhirBase() + "/Observation?page=2");
                default:
                    break;
            }
        }
        String path = r.path();
        if (!"GET".equals(r.method())) {
            return notSupported(r);
        }
        if (path.equals("/fhir/Patient/" + Identity.PATIENT_ID)) {
            return new Outcome.Reply(200, Map.of("Content-Type", Outcome.FHIR_JSON, "ETag", "W/\"1\""), patientJson);
        }
        if (path.startsWith("/fhir/Patient/")) {
            return Outcome.operationOutcome(404, "not-found", path.substring("/fhir/".length()) + " is not known");
        }
        if ((path.equals("/fhir") || path.equals("/fhir/")) && query.containsKey("_getpages")) {
            return searches.page(query);
        }
        Outcome.Reply search = searches.search(path.substring(Math.min(path.length(), "/fhir/".length())), r.query(),
                query);
        if (search != null && "dribble".equals(fake)) {
            // Pieces shorter than the base URL: every URL in the body is cut somewhere.
            return new Outcome.Dribbled(search, DRIBBLE_PIECE_BYTES);
        }
        return search != null ? search : notSupported(r);
    }

    private static Outcome.Reply notSupported(RecordedRequest r) {
        return Outcome.operationOutcome(404, "not-found", r.method() + " " + r.path() + " is not supported");
    }

    /** Mirrors the request back, so proxy tests see exactly what arrived upstream. */
    private static Outcome.Reply echo(RecordedRequest r) {
        JsonObject headers = new JsonObject();
        r.headers().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        return Outcome.json(200, new JsonObject()
                .put("method", r.method())
                .put("path", r.path())
                .put("query", r.query())
                .put("headers", headers)
                .put("body", r.body()));
    }

    private static Outcome bigBundle(Map<String, String> query) {
        int mebibytes;
        try {
            mebibytes = Integer.parseInt(query.getOrDefault("mb", ""));
        } catch (NumberFormatException e) {
            mebibytes = -1;
        }
        if (mebibytes < 1 || mebibytes > MAX_BIG_MEBIBYTES) {
            return Outcome.operationOutcome(400, "invalid", "mb must be a whole number from 1 to " + MAX_BIG_MEBIBYTES);
        }
        return new Outcome.BigBundle(Map.of("Content-Type", Outcome.FHIR_JSON), mebibytes);
    }

    /** The proxy under test must strip this; see the tests that check cookies. */
    static Outcome withUpstreamCookie(Outcome outcome) {
        if (outcome instanceof Outcome.Reply reply) {
            return reply.withHeader("Set-Cookie", "upstream=1");
        }
        if (outcome instanceof Outcome.BigBundle big) {
            Map<String, String> headers = new LinkedHashMap<>(big.headers());
            headers.put("Set-Cookie", "upstream=1");
            return new Outcome.BigBundle(headers, big.mebibytes());
        }
        return outcome;
    }
}
