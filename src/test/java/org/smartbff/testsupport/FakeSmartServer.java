package org.smartbff.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A fake SMART on FHIR authorization server and FHIR server for integration tests.
 *
 * <p>It speaks real HTTP (its own Vert.x instance, bound to 127.0.0.1 on a free port) and signs real
 * RS256 JWTs with a key pair generated at start, so the code under test exercises its genuine HTTP
 * client, discovery, PKCE and JWT validation paths rather than mocks.
 *
 * <p>Thread-safety: request handling runs on the Vert.x event loop while tests read the state from their
 * own threads, so every piece of mutable state is guarded by {@link #lock}. A request is recorded and
 * answered (as a {@link Reply} value) inside one critical section; the bytes are written outside it.
 * Accessors return copies.
 */
public final class FakeSmartServer implements AutoCloseable {

    private static final String CLIENT_ID = "smart-bff-test";
    private static final String PATIENT_ID = "e4531916-b162-4f4b-90c2-ce37e132b8d4";
    /** The base the sample FHIR files were captured from; rewritten to {@link #fhirBase()} when served. */
    private static final String SAMPLE_FHIR_BASE = "http://127.0.0.1:8088/fhir";
    private static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofSeconds(3600);
    private static final long ID_TOKEN_LIFETIME_SECONDS = 300;
    private static final String OAUTH_URIS_EXTENSION =
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
    private static final String JSON = "application/json";
    private static final String FHIR_JSON = "application/fhir+json";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final RsaJsonWebKey signingKey;
    private final String patientJson;
    private final String observationBundleTemplate;
    /** Sample searchsets of the other types the demo SPA reads, by resource type; hand-written for the fake. */
    private final Map<String, String> otherSearchsetTemplates = Map.of(
            "Condition", classpathResource("/fhir/Condition-searchset.json"),
            "MedicationRequest", classpathResource("/fhir/MedicationRequest-searchset.json"));
    /** Known only once the server listens; volatile because the event loop reads it. */
    private volatile String baseUrl;

    private final Object lock = new Object();
    // --- everything below is guarded by lock ---
    private final List<RecordedRequest> requests = new ArrayList<>();
    private Map<String, String> lastAuthorizeParams = Map.of();
    private final Map<String, PendingCode> pendingCodes = new HashMap<>();
    /** Access tokens that still work at the FHIR endpoint, with their wall-clock expiry. */
    private final Map<String, Instant> liveAccessTokens = new HashMap<>();
    private final Set<String> issuedAccessTokens = new LinkedHashSet<>();
    private final Set<String> issuedRefreshTokens = new LinkedHashSet<>();
    private final List<String> usedRefreshTokens = new ArrayList<>();
    /** The matches of each paged search, by the id its {@code _getpages} links carry. */
    private final Map<String, List<JsonObject>> searches = new HashMap<>();
    private String currentRefreshToken;
    private String currentRefreshScope;
    private int tokenRequests;
    private int refreshGrants;
    private Duration accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
    private String denyNextAuthorization;
    private boolean closed;

    /** One HTTP request as the server saw it. Header names are lower-cased; query is "" when absent. */
    public record RecordedRequest(String method, String path, String query,
                                  Map<String, List<String>> headers, String body) {
        public RecordedRequest {
            headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            query = query == null ? "" : query;
            body = body == null ? "" : body;
        }

        /** First value of a header (name case-insensitive), or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** What /authorize remembered about a code, to check the later token exchange against. */
    private record PendingCode(String clientId, String redirectUri, String codeChallenge, String nonce,
                               String scope) {
    }

    /** A response computed under the lock, written to the wire after it is released. */
    private record Reply(int status, Map<String, String> headers, String body) {
        Reply withHeader(String name, String value) {
            Map<String, String> copy = new LinkedHashMap<>(headers);
            copy.put(name, value);
            return new Reply(status, copy, body);
        }
    }

    private FakeSmartServer(Vertx vertx, RsaJsonWebKey signingKey, String patientJson,
                            String observationBundleTemplate) {
        this.vertx = vertx;
        this.signingKey = signingKey;
        this.patientJson = patientJson;
        this.observationBundleTemplate = observationBundleTemplate;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts a server on a free port of 127.0.0.1 and returns once it is listening. */
    public static FakeSmartServer start() {
        // RSA key generation is the slowest step; let it overlap with booting Vert.x.
        CompletableFuture<RsaJsonWebKey> key = CompletableFuture.supplyAsync(FakeSmartServer::generateSigningKey);
        String patient = classpathResource("/fhir/Patient-" + PATIENT_ID + ".json");
        String observations = classpathResource("/fhir/Observation-searchset.json");
        // One event loop is plenty, and no classpath/file caching so nothing is written to the working dir.
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions()
                        .setClassPathResolvingEnabled(false)
                        .setFileCachingEnabled(false)));
        FakeSmartServer fake;
        try {
            fake = new FakeSmartServer(vertx, key.join(), patient, observations);
        } catch (RuntimeException e) {
            await(vertx.close());
            throw e;
        }
        try {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                    .requestHandler(fake::onRequest);
            await(server.listen());
            fake.baseUrl = "http://127.0.0.1:" + server.actualPort();
            return fake;
        } catch (RuntimeException e) {
            fake.close();
            throw e;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        await(vertx.close()); // also closes the HTTP server
    }

    // ------------------------------------------------------------------ addresses and fixed identities

    public String baseUrl() {
        return baseUrl;
    }

    /** The FHIR base URL, i.e. the SMART {@code iss} launch parameter and the {@code aud} of /authorize. */
    public String fhirBase() {
        return baseUrl + "/fhir";
    }

    /** The authorization server's issuer; deliberately different from {@link #fhirBase()}. */
    public String issuer() {
        return baseUrl + "/oauth";
    }

    public String clientId() {
        return CLIENT_ID;
    }

    public String patientId() {
        return PATIENT_ID;
    }

    // ------------------------------------------------------------------ knobs

    /** The lifetime announced as {@code expires_in} and enforced at the FHIR endpoint (wall clock). */
    public FakeSmartServer accessTokenLifetime(Duration lifetime) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative()) {
            throw new IllegalArgumentException("negative lifetime: " + lifetime);
        }
        synchronized (lock) {
            accessTokenLifetime = lifetime;
        }
        return this;
    }

    /** Makes the next valid /authorize redirect back with {@code error=<error>} instead of a code. */
    public FakeSmartServer denyNextAuthorization(String error) {
        synchronized (lock) {
            denyNextAuthorization = error;
        }
        return this;
    }

    /**
     * Back to a fresh state between tests: forgets requests, counters and issued tokens, restores the
     * knobs, and invalidates every outstanding code, access token and refresh token. The signing key
     * stays, so JWKS cached by the code under test remain valid.
     */
    public void reset() {
        synchronized (lock) {
            requests.clear();
            lastAuthorizeParams = Map.of();
            pendingCodes.clear();
            liveAccessTokens.clear();
            issuedAccessTokens.clear();
            issuedRefreshTokens.clear();
            usedRefreshTokens.clear();
            searches.clear();
            currentRefreshToken = null;
            currentRefreshScope = null;
            tokenRequests = 0;
            refreshGrants = 0;
            accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
            denyNextAuthorization = null;
        }
    }

    // ------------------------------------------------------------------ observation

    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    public List<RecordedRequest> fhirRequests() {
        synchronized (lock) {
            return requests.stream().filter(r -> isUnderFhir(r.path())).toList();
        }
    }

    public Map<String, String> lastAuthorizeParams() {
        synchronized (lock) {
            return lastAuthorizeParams; // already an unmodifiable copy
        }
    }

    public int tokenRequests() {
        synchronized (lock) {
            return tokenRequests;
        }
    }

    public int refreshGrants() {
        synchronized (lock) {
            return refreshGrants;
        }
    }

    public Set<String> issuedAccessTokens() {
        synchronized (lock) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(issuedAccessTokens));
        }
    }

    public Set<String> issuedRefreshTokens() {
        synchronized (lock) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(issuedRefreshTokens));
        }
    }

    public String currentRefreshToken() {
        synchronized (lock) {
            return currentRefreshToken;
        }
    }

    public List<String> usedRefreshTokens() {
        synchronized (lock) {
            return List.copyOf(usedRefreshTokens);
        }
    }

    // ------------------------------------------------------------------ request plumbing

    private void onRequest(HttpServerRequest req) {
        // Read the whole body first: it is recorded, and /token and /revoke parse it as a form.
        req.body().onComplete(ar -> {
            if (ar.failed()) {
                return; // the client went away; nothing to answer
            }
            Reply reply;
            synchronized (lock) {
                RecordedRequest recorded = recordRequest(req, ar.result());
                try {
                    reply = route(recorded);
                } catch (RuntimeException e) {
                    // Make a bug in the fake visible to the test instead of hanging the client.
                    reply = text(500, e.toString());
                }
            }
            send(req.response(), reply);
        });
    }

    private RecordedRequest recordRequest(HttpServerRequest req, Buffer body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach(h -> headers
                .computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .add(h.getValue()));
        headers.replaceAll((k, v) -> List.copyOf(v));
        RecordedRequest recorded = new RecordedRequest(req.method().name(), req.path(), req.query(), headers,
                body == null ? "" : body.toString(StandardCharsets.UTF_8));
        requests.add(recorded);
        return recorded;
    }

    private Reply route(RecordedRequest r) {
        switch (r.path()) {
            case "/fhir/.well-known/smart-configuration":
                return smartConfiguration();
            case "/fhir/metadata":
                return withUpstreamCookie(capabilityStatement());
            case "/oauth/authorize":
                return "GET".equals(r.method()) ? authorize(r) : methodNotAllowed();
            case "/oauth/token":
                return "POST".equals(r.method()) ? token(r) : methodNotAllowed();
            case "/oauth/jwks":
                return jwks();
            case "/oauth/revoke":
                return "POST".equals(r.method()) ? revoke(r) : methodNotAllowed();
            case "/style.json":
                return json(200, new JsonObject().put("color_background", "#edeae3").put("color_highlight", "#69b5ce"));
            default:
                if (isUnderFhir(r.path())) {
                    return withUpstreamCookie(fhirResource(r));
                }
                return json(404, new JsonObject().put("error", "not_found").put("path", r.path()));
        }
    }

    private static void send(HttpServerResponse response, Reply reply) {
        response.setStatusCode(reply.status());
        reply.headers().forEach(response::putHeader);
        response.end(reply.body() == null ? "" : reply.body());
    }

    // ------------------------------------------------------------------ discovery

    private Reply smartConfiguration() {
        JsonObject config = new JsonObject()
                .put("issuer", issuer())
                .put("authorization_endpoint", baseUrl + "/oauth/authorize")
                .put("token_endpoint", baseUrl + "/oauth/token")
                .put("jwks_uri", baseUrl + "/oauth/jwks")
                .put("revocation_endpoint", baseUrl + "/oauth/revoke")
                .put("grant_types_supported", array("authorization_code", "refresh_token"))
                .put("code_challenge_methods_supported", array("S256"))
                .put("response_types_supported", array("code"))
                .put("token_endpoint_auth_methods_supported",
                        array("none", "client_secret_basic", "private_key_jwt"))
                .put("scopes_supported", array("openid", "fhirUser", "profile", "launch", "launch/patient",
                        "launch/encounter", "offline_access", "online_access", "patient/*.rs", "user/*.rs",
                        "patient/*.read", "user/*.read"))
                .put("capabilities", array("launch-ehr", "launch-standalone", "client-public",
                        "client-confidential-symmetric", "client-confidential-asymmetric",
                        "context-passthrough-banner", "context-passthrough-style", "context-ehr-patient",
                        "context-standalone-patient", "permission-offline", "permission-patient",
                        "permission-user", "permission-v1", "permission-v2", "sso-openid-connect"));
        return json(200, config);
    }

    private Reply capabilityStatement() {
        JsonObject oauthUris = new JsonObject()
                .put("url", OAUTH_URIS_EXTENSION)
                .put("extension", new JsonArray()
                        .add(new JsonObject().put("url", "authorize").put("valueUri", baseUrl + "/oauth/authorize"))
                        .add(new JsonObject().put("url", "token").put("valueUri", baseUrl + "/oauth/token"))
                        .add(new JsonObject().put("url", "revoke").put("valueUri", baseUrl + "/oauth/revoke")));
        JsonObject rest = new JsonObject()
                .put("mode", "server")
                .put("security", new JsonObject().put("extension", new JsonArray().add(oauthUris)))
                .put("resource", new JsonArray()
                        .add(new JsonObject().put("type", "Patient")
                                .put("interaction", new JsonArray().add(new JsonObject().put("code", "read"))))
                        .add(new JsonObject().put("type", "Observation")
                                .put("interaction", new JsonArray().add(new JsonObject().put("code", "search-type")))));
        JsonObject capabilities = new JsonObject()
                .put("resourceType", "CapabilityStatement")
                .put("status", "active")
                .put("date", "2026-01-01")
                .put("kind", "instance")
                .put("implementation", new JsonObject().put("description", "FakeSmartServer").put("url", fhirBase()))
                .put("fhirVersion", "4.0.1")
                .put("format", array("json"))
                .put("rest", new JsonArray().add(rest));
        return new Reply(200, Map.of("Content-Type", FHIR_JSON), capabilities.encode());
    }

    private Reply jwks() {
        JsonObject publicJwk = new JsonObject(signingKey.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        return json(200, new JsonObject().put("keys", new JsonArray().add(publicJwk)));
    }

    // ------------------------------------------------------------------ /oauth/authorize

    private Reply authorize(RecordedRequest r) {
        Map<String, String> params = parseForm(r.query());
        lastAuthorizeParams = Collections.unmodifiableMap(params);

        // A malformed request is answered here rather than redirected, as RFC 6749 4.1.2.1 requires when
        // client_id or redirect_uri cannot be trusted; tests then see the mistake directly.
        String problem = authorizeProblem(params);
        if (problem != null) {
            return oauthError(400, "invalid_request", problem);
        }
        String redirectUri = params.get("redirect_uri");
        String state = params.get("state");

        if (denyNextAuthorization != null) {
            Map<String, String> error = new LinkedHashMap<>();
            error.put("error", denyNextAuthorization);
            error.put("error_description", "The user denied");
            error.put("state", state);
            denyNextAuthorization = null; // one-shot
            return redirect(appendQuery(redirectUri, error));
        }

        String code = randomToken();
        pendingCodes.put(code, new PendingCode(params.get("client_id"), redirectUri,
                params.get("code_challenge"), params.get("nonce"), params.get("scope")));
        Map<String, String> success = new LinkedHashMap<>();
        success.put("code", code);
        success.put("state", state);
        return redirect(appendQuery(redirectUri, success));
    }

    /** Why the /authorize parameters are unacceptable, or null when they are fine. */
    private String authorizeProblem(Map<String, String> p) {
        if (!"code".equals(p.get("response_type"))) {
            return "response_type must be code";
        }
        if (!CLIENT_ID.equals(p.get("client_id"))) {
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
        if (!fhirBase().equals(aud)) {
            return "aud must be the FHIR base URL " + fhirBase();
        }
        return null;
    }

    // ------------------------------------------------------------------ /oauth/token

    private Reply token(RecordedRequest r) {
        tokenRequests++;
        String contentType = r.header("content-type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return oauthError(400, "invalid_request", "token requests must be application/x-www-form-urlencoded");
        }
        Map<String, String> form = parseForm(r.body());
        String grantType = form.get("grant_type");
        if ("authorization_code".equals(grantType)) {
            return authorizationCodeGrant(r, form);
        }
        if ("refresh_token".equals(grantType)) {
            return refreshTokenGrant(r, form);
        }
        return oauthError(400, "unsupported_grant_type", "grant_type " + grantType + " is not supported");
    }

    private Reply authorizationCodeGrant(RecordedRequest r, Map<String, String> form) {
        String code = form.get("code");
        // Remove before any other check: a code is burnt by its first presentation, successful or not.
        PendingCode pending = code == null ? null : pendingCodes.remove(code);
        String client = presentedClientId(r, form);
        if (!CLIENT_ID.equals(client)) {
            return oauthError(401, "invalid_client", "unknown client " + client);
        }
        if (pending == null) {
            return oauthError(400, "invalid_grant", "authorization code is unknown or was already used");
        }
        if (!pending.clientId().equals(client)) {
            return oauthError(400, "invalid_grant", "code was issued to another client");
        }
        if (!pending.redirectUri().equals(form.get("redirect_uri"))) {
            return oauthError(400, "invalid_grant", "redirect_uri does not match the authorization request");
        }
        if (!pkceMatches(form.get("code_verifier"), pending.codeChallenge())) {
            return oauthError(400, "invalid_grant", "code_verifier does not match code_challenge");
        }

        JsonObject body = issueTokens(pending.scope(), pending.nonce());
        // SMART launch context, plus one member no spec defines, to prove clients tolerate extras.
        body.put("patient", PATIENT_ID)
                .put("encounter", "enc-1")
                .put("need_patient_banner", true)
                .put("smart_style_url", baseUrl + "/style.json")
                .put("fhirContext", new JsonArray().add(new JsonObject().put("reference", "Encounter/enc-1")))
                .put("tenant", "t1")
                .put("x_vendor", new JsonObject().put("a", 1));
        return tokenResponse(body);
    }

    private Reply refreshTokenGrant(RecordedRequest r, Map<String, String> form) {
        String presented = form.get("refresh_token");
        if (presented != null) {
            usedRefreshTokens.add(presented);
        }
        String client = presentedClientId(r, form);
        if (!CLIENT_ID.equals(client)) {
            return oauthError(401, "invalid_client", "unknown client " + client);
        }
        if (presented == null || !presented.equals(currentRefreshToken)) {
            return oauthError(400, "invalid_grant", "refresh token is not valid");
        }
        // Rotation: the presented token dies now, whatever happens next; issueTokens() makes its successor.
        currentRefreshToken = null;
        refreshGrants++;
        return tokenResponse(issueTokens(currentRefreshScope, null));
    }

    /**
     * Mints an access token, a refresh token when the scope asks for offline/online access (it then
     * becomes the only valid one) and an id token when the scope contains openid.
     */
    private JsonObject issueTokens(String scope, String nonce) {
        Set<String> scopes = scopeSet(scope);
        String accessToken = "at-" + randomToken();
        Duration lifetime = accessTokenLifetime;
        liveAccessTokens.put(accessToken, Instant.now().plus(lifetime));
        issuedAccessTokens.add(accessToken);

        JsonObject body = new JsonObject()
                .put("access_token", accessToken)
                .put("token_type", "Bearer")
                .put("expires_in", lifetime.toSeconds());
        if (scope != null) {
            body.put("scope", scope);
        }
        if (scopes.contains("offline_access") || scopes.contains("online_access")) {
            String refreshToken = "rt-" + randomToken();
            issuedRefreshTokens.add(refreshToken);
            currentRefreshToken = refreshToken;
            currentRefreshScope = scope;
            body.put("refresh_token", refreshToken);
        }
        if (scopes.contains("openid")) {
            body.put("id_token", idToken(nonce));
        }
        return body;
    }

    private String idToken(String nonce) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer());
        claims.setSubject("practitioner-123");
        claims.setAudience(CLIENT_ID);
        NumericDate now = NumericDate.now();
        claims.setIssuedAt(now);
        NumericDate expiry = NumericDate.fromSeconds(now.getValue() + ID_TOKEN_LIFETIME_SECONDS);
        claims.setExpirationTime(expiry);
        if (nonce != null) {
            claims.setClaim("nonce", nonce);
        }
        claims.setClaim("fhirUser", "Practitioner/123");
        claims.setClaim("name", "Dr. Test Example");

        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signingKey.getPrivateKey());
        jws.setKeyIdHeaderValue(signingKey.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign id token", e);
        }
    }

    private static Reply tokenResponse(JsonObject body) {
        // RFC 6749 5.1: token responses must not be cached.
        return json(200, body).withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
    }

    /**
     * The client id as presented by a public client (form), a client_secret_basic client (Basic
     * username) or a private_key_jwt client (assertion issuer; the signature is not checked here).
     */
    private static String presentedClientId(RecordedRequest r, Map<String, String> form) {
        if (form.get("client_id") != null) {
            return form.get("client_id");
        }
        String authorization = r.header("authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return URLDecoder.decode(colon < 0 ? decoded : decoded.substring(0, colon), StandardCharsets.UTF_8);
        }
        String assertion = form.get("client_assertion");
        if (assertion != null && assertion.split("\\.").length >= 2) {
            String payload = new String(Base64.getUrlDecoder().decode(assertion.split("\\.")[1]),
                    StandardCharsets.UTF_8);
            return new JsonObject(payload).getString("iss");
        }
        return null;
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

    // ------------------------------------------------------------------ /oauth/revoke

    private Reply revoke(RecordedRequest r) {
        String token = parseForm(r.body()).get("token");
        if (token != null) {
            liveAccessTokens.remove(token);
            if (token.equals(currentRefreshToken)) {
                currentRefreshToken = null;
            }
        }
        // RFC 7009 2.2: 200 even for unknown tokens.
        return new Reply(200, Map.of("Cache-Control", "no-store"), "");
    }

    // ------------------------------------------------------------------ FHIR data

    private Reply fhirResource(RecordedRequest r) {
        if (!hasValidBearer(r)) {
            return operationOutcome(401, "login", "a valid bearer access token is required")
                    .withHeader("WWW-Authenticate", "Bearer");
        }
        String path = r.path();
        if ("GET".equals(r.method()) && path.startsWith("/fhir/Patient/")) {
            String id = path.substring("/fhir/Patient/".length());
            if (PATIENT_ID.equals(id)) {
                return new Reply(200, Map.of("Content-Type", FHIR_JSON, "ETag", "W/\"1\""), patientJson);
            }
            return operationOutcome(404, "not-found", "Patient/" + id + " is not known");
        }
        Map<String, String> query = parseForm(r.query());
        if ("GET".equals(r.method()) && path.equals("/fhir/Observation")) {
            // Point the bundle's absolute links (fullUrl, self/next) at this server.
            String bundle = observationBundleTemplate.replace(SAMPLE_FHIR_BASE, fhirBase());
            if (query.containsKey("_count") || query.containsKey("category") || query.containsKey("_sort")) {
                return search("Observation", bundle, r.query(), query);
            }
            // Served as captured, byte for byte.
            return new Reply(200, Map.of("Content-Type", FHIR_JSON), bundle);
        }
        String type = path.startsWith("/fhir/") ? path.substring("/fhir/".length()) : "";
        if ("GET".equals(r.method()) && otherSearchsetTemplates.containsKey(type)) {
            return search(type, otherSearchsetTemplates.get(type).replace(SAMPLE_FHIR_BASE, fhirBase()), r.query(),
                    query);
        }
        if ("GET".equals(r.method()) && (path.equals("/fhir") || path.equals("/fhir/")) && query.containsKey("_getpages")) {
            return searchPage(query.get("_getpages"), intParameter(query, "_getpagesoffset", 0),
                    intParameter(query, "_count", Integer.MAX_VALUE), null);
        }
        return operationOutcome(404, "not-found", r.method() + " " + path + " is not supported");
    }

    /**
     * A search over the entries of a sample Bundle, answered as a real server would: {@code patient} and
     * {@code category} filter, {@code _sort=date|-date} sorts, and {@code _count} pages, with {@code next} and
     * {@code previous} links of the form {@code {fhirBase}?_getpages=...} (the spelling of the captured sample) that a
     * later request follows. Enough for a browser to page through a search behind the proxy.
     */
    private Reply search(String type, String sampleBundle, String rawQuery, Map<String, String> query) {
        String patient = query.get("patient");
        String category = query.get("category");
        List<JsonObject> matches = new ArrayList<>();
        for (Object item : new JsonObject(sampleBundle).getJsonArray("entry", new JsonArray())) {
            JsonObject entry = (JsonObject) item;
            JsonObject resource = entry.getJsonObject("resource");
            if ((patient == null || isAboutPatient(resource, patient))
                    && (category == null || hasCategory(resource, category))) {
                matches.add(entry);
            }
        }
        String sort = query.get("_sort");
        if ("date".equals(sort) || "-date".equals(sort)) {
            Comparator<JsonObject> byDate = Comparator.comparing(
                    entry -> clinicalDate(entry.getJsonObject("resource")));
            matches.sort("-date".equals(sort) ? byDate.reversed() : byDate);
        }
        String id = randomToken();
        searches.put(id, List.copyOf(matches));
        String self = fhirBase() + "/" + type + (rawQuery.isEmpty() ? "" : "?" + rawQuery);
        return searchPage(id, 0, intParameter(query, "_count", Integer.MAX_VALUE), self);
    }

    private Reply searchPage(String id, int offset, int count, String self) {
        List<JsonObject> matches = searches.get(id);
        if (matches == null) {
            return operationOutcome(404, "not-found", "search " + id + " is not known (or the fake was reset)");
        }
        int size = Math.max(1, count);
        int from = Math.min(Math.max(0, offset), matches.size());
        int to = (int) Math.min((long) from + size, matches.size());
        JsonArray links = new JsonArray()
                .add(link("self", self != null ? self : pageUrl(id, from, size)));
        if (to < matches.size()) {
            links.add(link("next", pageUrl(id, to, size)));
        }
        if (from > 0) {
            links.add(link("previous", pageUrl(id, Math.max(0, from - size), size)));
        }
        JsonObject bundle = new JsonObject()
                .put("resourceType", "Bundle")
                .put("id", id)
                .put("type", "searchset")
                .put("total", matches.size())
                .put("link", links)
                .put("entry", new JsonArray(new ArrayList<>(matches.subList(from, to))));
        return new Reply(200, Map.of("Content-Type", FHIR_JSON), bundle.encode());
    }

    private String pageUrl(String id, int offset, int count) {
        return fhirBase() + "?_getpages=" + id + "&_getpagesoffset=" + offset + "&_count=" + count
                + "&_bundletype=searchset";
    }

    private static JsonObject link(String relation, String url) {
        return new JsonObject().put("relation", relation).put("url", url);
    }

    /** {@code patient=123} or {@code patient=Patient/123} against {@code subject.reference}. */
    private static boolean isAboutPatient(JsonObject resource, String patient) {
        String wanted = patient.startsWith("Patient/") ? patient : "Patient/" + patient;
        JsonObject subject = resource.getJsonObject("subject");
        return subject != null && wanted.equals(subject.getString("reference"));
    }

    /** {@code category=code} or {@code category=system|code} against any coding of {@code category}. */
    private static boolean hasCategory(JsonObject resource, String category) {
        String code = category.substring(category.indexOf('|') + 1);
        for (Object concept : resource.getJsonArray("category", new JsonArray())) {
            for (Object coding : ((JsonObject) concept).getJsonArray("coding", new JsonArray())) {
                if (code.equals(((JsonObject) coding).getString("code"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The date {@code _sort=date} means for the sample types; ISO strings with one offset sort as text. */
    private static String clinicalDate(JsonObject resource) {
        for (String field : List.of("effectiveDateTime", "authoredOn", "recordedDate", "onsetDateTime")) {
            String value = resource.getString(field);
            if (value != null) {
                return value;
            }
        }
        return "";
    }

    private static int intParameter(Map<String, String> query, String name, int fallback) {
        try {
            return query.containsKey(name) ? Integer.parseInt(query.get(name)) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private boolean hasValidBearer(RecordedRequest r) {
        String authorization = r.header("authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        Instant expiry = liveAccessTokens.get(authorization.substring(7).trim());
        return expiry != null && Instant.now().isBefore(expiry);
    }

    /** The proxy under test must strip this; see the tests that check cookies. */
    private static Reply withUpstreamCookie(Reply reply) {
        return reply.withHeader("Set-Cookie", "upstream=1");
    }

    // ------------------------------------------------------------------ small helpers

    private static Reply json(int status, JsonObject body) {
        return new Reply(status, Map.of("Content-Type", JSON), body.encode());
    }

    private static Reply text(int status, String body) {
        return new Reply(status, Map.of("Content-Type", "text/plain; charset=utf-8"), body);
    }

    private static Reply oauthError(int status, String error, String description) {
        return json(status, new JsonObject().put("error", error).put("error_description", description))
                .withHeader("Cache-Control", "no-store");
    }

    private static Reply methodNotAllowed() {
        return oauthError(405, "invalid_request", "method not allowed");
    }

    private static Reply redirect(String location) {
        return new Reply(302, Map.of("Location", location), "");
    }

    private static Reply operationOutcome(int status, String code, String diagnostics) {
        JsonObject outcome = new JsonObject()
                .put("resourceType", "OperationOutcome")
                .put("issue", new JsonArray().add(new JsonObject()
                        .put("severity", "error").put("code", code).put("diagnostics", diagnostics)));
        return new Reply(status, Map.of("Content-Type", FHIR_JSON), outcome.encode());
    }

    private static boolean isUnderFhir(String path) {
        return path.equals("/fhir") || path.startsWith("/fhir/");
    }

    private static JsonArray array(String... values) {
        return new JsonArray(Arrays.asList((Object[]) values));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static Set<String> scopeSet(String scope) {
        return scope == null || scope.isBlank() ? Set.of() : Set.of(scope.trim().split("\\s+"));
    }

    /** Parses a query string or form body; the first value of a repeated name wins. */
    private static Map<String, String> parseForm(String encoded) {
        Map<String, String> result = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return result;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            result.putIfAbsent(name, value);
        }
        return result;
    }

    /** Adds form-encoded parameters to a URI that may already carry a query. */
    private static String appendQuery(String uri, Map<String, String> params) {
        StringBuilder sb = new StringBuilder(uri);
        char separator = uri.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> p : params.entrySet()) {
            sb.append(separator)
                    .append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return sb.toString();
    }

    /** 256 random bits, base64url without padding: unguessable codes and tokens. */
    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static RsaJsonWebKey generateSigningKey() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId("fake-" + randomToken().substring(0, 8));
            key.setUse("sig");
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException("cannot generate RSA key", e);
        }
    }

    private static String classpathResource(String name) {
        try (InputStream in = FakeSmartServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Blocks the (test) caller until a Vert.x future completes. */
    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
