package org.smartbff.testsupport.fake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.smartbff.testsupport.fake.AuthorizationEndpoint.LaunchContext;
import org.smartbff.testsupport.fake.AuthorizationEndpoint.PendingCode;
import org.smartbff.testsupport.fake.FakeSmartServer.ClientAuth;
import org.smartbff.testsupport.fake.FakeSmartServer.RecordedRequest;
import org.smartbff.testsupport.fake.FakeSmartServer.RefreshIdToken;
import org.smartbff.testsupport.fake.FakeSmartServer.TokenFault;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code /oauth/token} (the authorization code and refresh token grants, with their faults) and {@code /oauth/revoke}.
 * Touched under the fake's lock; a {@code private_key_jwt} request leaves it while the client's JWKS is fetched.
 */
final class TokenEndpoint {

    private final Object lock;
    private final Identity identity;
    private final AuthorizationEndpoint authorization;
    private final IdTokens idTokens;
    private final Tokens tokens;
    private final ClientAuthentication clients;
    private final ClientAssertionVerifier assertionVerifier;
    // knobs
    boolean down;
    TokenFault fault;
    CompletionStage<?> refreshAnswerGate;
    Runnable beforeRefreshAnswer;
    Consumer<JsonObject> tamper;
    RefreshIdToken refreshIdToken;
    boolean omitNonce;
    boolean rotate;
    boolean perLaunch;
    boolean grantsMode;
    int requests;

    TokenEndpoint(Object lock, Identity identity, AuthorizationEndpoint authorization, IdTokens idTokens, Tokens tokens,
            ClientAuthentication clients, ClientAssertionVerifier assertionVerifier) {
        this.lock = lock;
        this.identity = identity;
        this.authorization = authorization;
        this.idTokens = idTokens;
        this.tokens = tokens;
        this.clients = clients;
        this.assertionVerifier = assertionVerifier;
        restoreKnobs();
    }

    void restoreKnobs() {
        down = false;
        fault = TokenFault.NONE;
        refreshAnswerGate = null;
        beforeRefreshAnswer = null;
        tamper = null;
        refreshIdToken = RefreshIdToken.WITHOUT_AUD_AND_NONCE;
        omitNonce = false;
        rotate = true;
        perLaunch = false;
        grantsMode = false;
    }

    void reset() {
        requests = 0;
        restoreKnobs();
    }

    Outcome token(RecordedRequest r) {
        requests++;
        if (down) {
            return new Outcome.Reply(503, Map.of("Content-Type", "text/html; charset=utf-8", "Retry-After", "30"),
                    "<html><head><title>503 Service Unavailable</title></head>"
                            + "<body><h1>503 Service Unavailable</h1><p>upstream connect error</p></body></html>");
        }
        String contentType = r.header("content-type");
        if (contentType == null
                || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return Outcome.oauthError(400, "invalid_request", "token requests must be application/x-www-form-urlencoded");
        }
        Map<String, String> form = Forms.parse(r.body());
        String grantType = form.get("grant_type");
        if ("refresh_token".equals(grantType) && fault != TokenFault.NONE && fault != TokenFault.HOLD_AFTER_GRANT) {
            return switch (fault) {
                case HANG_UP -> new Outcome.HangUp();
                case SERVER_ERROR -> Outcome.text(500, "internal server error");
                case GARBAGE -> new Outcome.Reply(200, Map.of("Content-Type", Outcome.JSON), "<html>not json");
                case HOLD_BEFORE_GRANT -> new Outcome.NoAnswer();
                case NONE, HOLD_AFTER_GRANT -> throw new IllegalStateException();
            };
        }
        if (!"authorization_code".equals(grantType) && !"refresh_token".equals(grantType)) {
            return Outcome.oauthError(400, "unsupported_grant_type", "grant_type " + grantType + " is not supported");
        }
        if (clients.mode != ClientAuth.PRIVATE_KEY_JWT) {
            return heldIfRefresh(grant(form, clients.problem(r, form)), form);
        }
        String formProblem = ClientAuthentication.assertionFormProblem(r, form);
        if (formProblem != null) {
            return grant(form, formProblem);
        }
        // The JWKS fetch must not hold the lock (nor block the event loop); the grant resumes under the lock.
        String assertion = form.get("client_assertion");
        String jwksUrl = clients.jwksUrl;
        String audience = identity.tokenEndpoint();
        return new Outcome.Deferred(() -> assertionVerifier.verify(assertion, jwksUrl, Identity.CLIENT_ID, audience)
                .map(result -> {
                    synchronized (lock) {
                        return safely(() -> grant(form, clients.accept(result)));
                    }
                }));
    }

    /** Makes a bug in the fake visible to the test as a 500 instead of hanging the client. */
    static Outcome safely(Supplier<Outcome> route) {
        try {
            return route.get();
        } catch (RuntimeException e) {
            return Outcome.text(500, e.toString());
        }
    }

    /** {@code /oauth/revoke}; RFC 7009 2.2: 200 even for unknown tokens. */
    Outcome.Reply revoke(RecordedRequest r) {
        String token = Forms.parse(r.body()).get("token");
        if (token != null) {
            tokens.revoke(token);
        }
        return new Outcome.Reply(200, Map.of("Cache-Control", "no-store"), "");
    }

    /** A successful refresh answer waits for the gate of {@code holdRefreshAnswersUntil}, when one is set. */
    private Outcome heldIfRefresh(Outcome outcome, Map<String, String> form) {
        CompletionStage<?> gate = refreshAnswerGate;
        if (gate == null || !(outcome instanceof Outcome.Reply reply) || reply.status() != 200
                || !"refresh_token".equals(form.get("grant_type"))) {
            return outcome;
        }
        Context context = Vertx.currentContext();
        return new Outcome.Deferred(() -> Future.fromCompletionStage(gate, context).map(ignored -> (Outcome) reply));
    }

    /**
     * Runs the grant. {@code clientProblem} is why client authentication failed, or null; it is only acted on after
     * the code or refresh token is recorded as presented, as a real server burns a code on first sight.
     */
    private Outcome grant(Map<String, String> form, String clientProblem) {
        return "authorization_code".equals(form.get("grant_type"))
                ? authorizationCodeGrant(form, clientProblem)
                : refreshTokenGrant(form, clientProblem);
    }

    private Outcome.Reply authorizationCodeGrant(Map<String, String> form, String clientProblem) {
        // Redeemed before any other check: a code is burnt by its first presentation, successful or not.
        PendingCode pending = authorization.redeem(form.get("code"));
        if (clientProblem != null) {
            return clients.invalidClient(clientProblem);
        }
        if (pending == null) {
            return Outcome.oauthError(400, "invalid_grant", "authorization code is unknown or was already used");
        }
        if (!pending.clientId().equals(Identity.CLIENT_ID)) {
            return Outcome.oauthError(400, "invalid_grant", "code was issued to another client");
        }
        if (!pending.redirectUri().equals(form.get("redirect_uri"))) {
            return Outcome.oauthError(400, "invalid_grant", "redirect_uri does not match the authorization request");
        }
        if (!pkceMatches(form.get("code_verifier"), pending.codeChallenge())) {
            return Outcome.oauthError(400, "invalid_grant", "code_verifier does not match code_challenge");
        }
        JsonObject body = issue(pending.scope(), true,
                new IdTokens.Spec(Identity.SUBJECT, true, omitNonce ? null : pending.nonce()));
        if (grantsMode) {
            tokens.grantsIssued++;
            tokens.attach(new Tokens.Grant(pending.scope()), body);
        }
        LaunchContext context = pending.launch() != null
                ? pending.launch()
                : new LaunchContext(Identity.PATIENT_ID, Identity.DEFAULT_ENCOUNTER_ID);
        if (context.patientId() != null) {
            body.put("patient", context.patientId());
        }
        if (context.encounterId() != null) {
            body.put("encounter", context.encounterId())
                    .put("fhirContext", new JsonArray().add(
                            new JsonObject().put("reference", "Encounter/" + context.encounterId())));
        }
        // SMART launch context, plus members no spec defines, to prove clients tolerate extras.
        body.put("need_patient_banner", true)
                .put("smart_style_url", identity.baseUrl() + "/style.json")
                .put("tenant", "t1")
                .put("x_vendor", new JsonObject().put("a", 1));
        return tokenResponse(tampered(body));
    }

    private Outcome refreshTokenGrant(Map<String, String> form, String clientProblem) {
        String presented = form.get("refresh_token");
        tokens.presented(presented);
        if (clientProblem != null) {
            return clients.invalidClient(clientProblem);
        }
        if (grantsMode) {
            return refreshInGrant(presented);
        }
        String scope = tokens.scopeOf(presented, perLaunch);
        if (scope == null) {
            return Outcome.oauthError(400, "invalid_grant", "refresh token is not valid");
        }
        tokens.refreshGrants++;
        if (rotate) {
            tokens.retire(presented); // issue() makes its successor
        }
        IdTokens.Spec idToken = switch (refreshIdToken) {
            case WITHOUT_AUD_AND_NONCE -> new IdTokens.Spec(Identity.SUBJECT, false, null);
            case OTHER_SUBJECT -> new IdTokens.Spec(Identity.OTHER_SUBJECT, true, null);
            case NONE -> null;
        };
        Outcome.Reply reply = tokenResponse(tampered(issue(scope, rotate, idToken)));
        if (beforeRefreshAnswer != null) {
            beforeRefreshAnswer.run();
        }
        return reply;
    }

    /**
     * Grants mode, as Keycloak and many EHRs do: a refresh token is good for one use; presenting one that was already
     * used is taken as theft and revokes the whole grant (its live refresh token and every access token issued under
     * it).
     */
    private Outcome refreshInGrant(String presented) {
        Tokens.Grant grant = tokens.grantOf(presented);
        if (grant == null || grant.revoked) {
            return Outcome.oauthError(400, "invalid_grant", "refresh token is not valid");
        }
        if (!presented.equals(grant.liveRefreshToken)) {
            tokens.refreshTokenReplays++;
            tokens.revoke(grant);
            return Outcome.oauthError(400, "invalid_grant", "refresh token was already used; the grant is revoked");
        }
        tokens.refreshGrants++;
        grant.liveRefreshToken = null;
        JsonObject body = issue(grant.scope, true, new IdTokens.Spec(Identity.SUBJECT, false, null));
        tokens.attach(grant, body);
        // The new refresh token is the only live one now: a client that never gets this answer has lost the grant.
        return fault == TokenFault.HOLD_AFTER_GRANT ? new Outcome.NoAnswer() : tokenResponse(body);
    }

    /** The tokens of {@link Tokens#issue}, and an id token when {@code idToken} is given and the scope has openid. */
    private JsonObject issue(String scope, boolean newRefreshToken, IdTokens.Spec idToken) {
        JsonObject body = tokens.issue(scope, newRefreshToken);
        if (idToken != null && Forms.scopes(scope).contains("openid")) {
            body.put("id_token", idTokens.sign(idToken));
        }
        return body;
    }

    private JsonObject tampered(JsonObject body) {
        if (tamper != null) {
            tamper.accept(body);
        }
        return body;
    }

    private static Outcome.Reply tokenResponse(JsonObject body) {
        // RFC 6749 5.1: token responses must not be cached.
        return Outcome.json(200, body).withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
    }

    /** RFC 7636 S256: BASE64URL-NOPAD(SHA-256(ASCII(verifier))) == challenge. */
    private static boolean pkceMatches(String verifier, String challenge) {
        if (verifier == null || challenge == null) {
            return false;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                    challenge.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
