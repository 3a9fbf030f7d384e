package org.smartbff.testsupport.fake;

import static org.smartbff.testsupport.fake.Forms.isBlank;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.smartbff.testsupport.fake.FakeSmartServer.ClientAuth;
import org.smartbff.testsupport.fake.FakeSmartServer.RecordedRequest;

import io.vertx.core.json.JsonObject;

/**
 * How a client proves itself at the token endpoint, in each {@link ClientAuth} mode, as strictly as a real server
 * checks it. The signature of a {@code private_key_jwt} assertion is {@link ClientAssertionVerifier}'s; whether its
 * {@code jti} is fresh is checked here. Touched under the fake's lock.
 */
final class ClientAuthentication {

    /**
     * Reserved characters on purpose: a client that skips the urlencoding of RFC 6749 2.3.1 fails with it. A raw
     * {@code %&} is not even a valid escape, and a raw {@code +} would decode to a space.
     */
    private static final String DEFAULT_SECRET = "fake secret:with/reserved+chars%&=";

    ClientAuth mode;
    String secret;
    String jwksUrl;
    private final Set<String> seenAssertionIds = new HashSet<>();
    private final List<Map<String, Object>> verifiedAssertions = new ArrayList<>();

    ClientAuthentication() {
        restoreKnobs();
    }

    void restoreKnobs() {
        mode = ClientAuth.NONE;
        secret = DEFAULT_SECRET;
        jwksUrl = null;
    }

    void reset() {
        seenAssertionIds.clear();
        verifiedAssertions.clear();
        restoreKnobs();
    }

    List<Map<String, Object>> verifiedAssertions() {
        return List.copyOf(verifiedAssertions); // the maps themselves are unmodifiable
    }

    /** 401 {@code invalid_client}; RFC 6749 5.2: a client that tried the Authorization header is told the scheme. */
    Outcome.Reply invalidClient(String problem) {
        Outcome.Reply reply = Outcome.oauthError(401, "invalid_client", problem);
        return mode == ClientAuth.CLIENT_SECRET_BASIC ? reply.withHeader("WWW-Authenticate", "Basic realm=\"fake-smart\"")
                : reply;
    }

    /** Why the client did not authenticate (modes other than PRIVATE_KEY_JWT), or null when it did. */
    String problem(RecordedRequest r, Map<String, String> form) {
        switch (mode) {
            case NONE: {
                String client = presentedClientId(r, form);
                return Identity.CLIENT_ID.equals(client) ? null : "unknown client " + client;
            }
            case CLIENT_SECRET_BASIC: {
                if (form.containsKey("client_secret") || form.containsKey("client_assertion")) {
                    return "client_secret_basic: credentials in the request body are not accepted";
                }
                String[] credentials = basicCredentials(r.header("authorization"));
                if (credentials == null) {
                    return "client_secret_basic: Authorization: Basic base64(urlencode(client_id):urlencode("
                            + "client_secret)) is required";
                }
                if (form.containsKey("client_id") && !credentials[0].equals(form.get("client_id"))) {
                    return "client_id in the body differs from the Basic credentials";
                }
                return Identity.CLIENT_ID.equals(credentials[0]) && secretMatches(credentials[1])
                        ? null
                        : "client_secret_basic: wrong client id or secret";
            }
            case CLIENT_SECRET_POST: {
                if (r.header("authorization") != null || form.containsKey("client_assertion")) {
                    return "client_secret_post: use exactly one authentication method (no Authorization header)";
                }
                return Identity.CLIENT_ID.equals(form.get("client_id")) && secretMatches(form.get("client_secret"))
                        ? null
                        : "client_secret_post: client_id and client_secret in the body are wrong or missing";
            }
            default:
                throw new IllegalStateException("not a form-checked mode: " + mode);
        }
    }

    /** The checks of a private_key_jwt request that need no JWKS; null when they pass. */
    static String assertionFormProblem(RecordedRequest r, Map<String, String> form) {
        if (!ClientAssertionVerifier.ASSERTION_TYPE.equals(form.get("client_assertion_type"))) {
            return "private_key_jwt: client_assertion_type must be " + ClientAssertionVerifier.ASSERTION_TYPE;
        }
        if (isBlank(form.get("client_assertion"))) {
            return "private_key_jwt: client_assertion is required";
        }
        if (r.header("authorization") != null || form.containsKey("client_secret")) {
            return "private_key_jwt: use exactly one authentication method";
        }
        if (form.containsKey("client_id") && !Identity.CLIENT_ID.equals(form.get("client_id"))) {
            return "private_key_jwt: client_id does not match the assertion";
        }
        return null;
    }

    /** Adds the server-state check (a fresh jti) to a verification result; null when the client is in. */
    String accept(ClientAssertionVerifier.Result result) {
        if (!result.ok()) {
            return result.problem();
        }
        String jti = (String) result.verified().get("jti");
        if (!seenAssertionIds.add(jti)) {
            return "client assertion jti " + jti + " was already used (replay)";
        }
        verifiedAssertions.add(result.verified());
        return null;
    }

    private boolean secretMatches(String presented) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                secret.getBytes(StandardCharsets.UTF_8));
    }

    /** {id, secret} from {@code Basic base64(urlencode(id):urlencode(secret))}, or null when malformed. */
    private static String[] basicCredentials(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return null;
            }
            return new String[] {
                    URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                    URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8) };
        } catch (IllegalArgumentException e) {
            return null; // not base64, or a raw '%' that is not an escape: the client did not urlencode
        }
    }

    /**
     * The client id as presented by a public client (form), a client_secret_basic client (Basic username) or a
     * private_key_jwt client (assertion issuer; the signature is not checked here). Only the lenient
     * {@link ClientAuth#NONE} mode uses this.
     */
    private static String presentedClientId(RecordedRequest r, Map<String, String> form) {
        if (form.get("client_id") != null) {
            return form.get("client_id");
        }
        String[] basic = basicCredentials(r.header("authorization"));
        if (basic != null) {
            return basic[0];
        }
        String assertion = form.get("client_assertion");
        if (assertion != null && assertion.split("\\.").length >= 2) {
            return new JsonObject(new String(Base64.getUrlDecoder().decode(assertion.split("\\.")[1]),
                    StandardCharsets.UTF_8)).getString("iss");
        }
        return null;
    }
}
