package org.smartbff.testsupport.fake;

import static org.smartbff.testsupport.fake.Forms.isBlank;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.smartbff.testsupport.fake.FakeSmartServer.RecordedRequest;

/**
 * {@code /oauth/authorize} and what it remembers: the codes it issued (to check the later exchange against) and the EHR
 * launches registered beforehand. Touched under the fake's lock, but for {@link #otherAudiences}.
 */
final class AuthorizationEndpoint {

    /** The SMART launch context a token response reports; either id may be null (then left out). */
    record LaunchContext(String patientId, String encounterId) {
    }

    /** What /authorize remembered about a code, to check the later token exchange against. */
    record PendingCode(String clientId, String redirectUri, String codeChallenge, String nonce, String scope,
            LaunchContext launch) {
    }

    private final Identity identity;
    /** Audiences accepted besides the FHIR base; kept until the fake closes. */
    final Set<String> otherAudiences = ConcurrentHashMap.newKeySet();
    private final Map<String, PendingCode> pendingCodes = new HashMap<>();
    private final Map<String, LaunchContext> launches = new HashMap<>();
    Map<String, String> lastParams = Map.of();
    /** The error the next valid request is redirected back with, once; null to grant. */
    String denyNext;

    AuthorizationEndpoint(Identity identity) {
        this.identity = identity;
    }

    void reset() {
        pendingCodes.clear();
        launches.clear();
        lastParams = Map.of();
        denyNext = null;
    }

    String issueLaunchId(String patientId, String encounterId) {
        String launchId = "launch-" + Forms.randomToken().substring(0, 16);
        launches.put(launchId, new LaunchContext(patientId, encounterId));
        return launchId;
    }

    /** The code's request, or null when the code is unknown; either way the code is burnt. */
    PendingCode redeem(String code) {
        return code == null ? null : pendingCodes.remove(code);
    }

    Outcome.Reply authorize(RecordedRequest r) {
        Map<String, String> params = Forms.parse(r.query());
        lastParams = Collections.unmodifiableMap(params);
        // A malformed request is answered here rather than redirected, as RFC 6749 4.1.2.1 requires when
        // client_id or redirect_uri cannot be trusted; tests then see the mistake directly.
        String problem = problem(params);
        if (problem != null) {
            return Outcome.oauthError(400, "invalid_request", problem);
        }
        String redirectUri = params.get("redirect_uri");
        String state = params.get("state");
        LaunchContext launch = null;
        if (params.containsKey("launch")) {
            launch = launches.get(params.get("launch"));
            if (launch == null) {
                return redirectError(redirectUri, "invalid_request", "unknown launch", state);
            }
        }
        if (denyNext != null) {
            String error = denyNext;
            denyNext = null;
            return redirectError(redirectUri, error, "The user denied", state);
        }
        String code = Forms.randomToken();
        pendingCodes.put(code, new PendingCode(params.get("client_id"), redirectUri, params.get("code_challenge"),
                params.get("nonce"), params.get("scope"), launch));
        Map<String, String> success = new LinkedHashMap<>();
        success.put("code", code);
        success.put("state", state);
        return Outcome.redirect(Forms.appendQuery(redirectUri, success));
    }

    private static Outcome.Reply redirectError(String redirectUri, String error, String description, String state) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("error", error);
        params.put("error_description", description);
        params.put("state", state);
        return Outcome.redirect(Forms.appendQuery(redirectUri, params));
    }

    /** Why the /authorize parameters are unacceptable, or null when they are fine. */
    private String problem(Map<String, String> p) {
        if (!"code".equals(p.get("response_type"))) {
            return "response_type must be code";
        }
        if (!Identity.CLIENT_ID.equals(p.get("client_id"))) {
            return "unknown client_id";
        }
        if (isBlank(p.get("redirect_uri"))) {
            return "redirect_uri is required";
        }
        if (isBlank(p.get("state"))) {
            return "state is required";
        }
        if (isBlank(p.get("code_challenge"))) {
            return "code_challenge is required (PKCE)";
        }
        if (!"S256".equals(p.get("code_challenge_method"))) {
            return "code_challenge_method must be S256";
        }
        String aud = p.get("aud");
        if (aud != null && aud.endsWith("/")) {
            aud = aud.substring(0, aud.length() - 1);
        }
        if (!identity.fhirBase().equals(aud) && !otherAudiences.contains(aud)) {
            return "aud must be the FHIR base URL " + identity.fhirBase();
        }
        return null;
    }
}
