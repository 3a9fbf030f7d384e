package org.smartbff.testsupport.fake;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwt.JwtClaims;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * A fake SMART on FHIR authorization server and FHIR server for integration tests.
 *
 * <p>
 * It speaks real HTTP (its own Vert.x instance, bound to 127.0.0.1) and signs real RS256 JWTs with a key pair
 * generated at start, so the code under test exercises its genuine HTTP client, discovery, PKCE and JWT validation
 * paths rather than mocks.
 *
 * <p>
 * By default it is a well-behaved SMART App Launch 2 server for a public client. Knobs make it behave like the less
 * tidy servers found in the wild (discovery only via the CapabilityStatement, relative endpoint URLs, id tokens without
 * {@code kid}, {@code aud} or {@code nonce}, non-rotating refresh tokens, an outage), require confidential client
 * authentication ({@link ClientAuth}), or fail ({@link TokenFault}, {@link FhirFault}). {@link #reset()} restores
 * every knob.
 *
 * <p>
 * This class is the fake's face: its lifecycle, knobs and observations. The endpoints are the package's other
 * classes ({@link Discovery}, {@link AuthorizationEndpoint}, {@link TokenEndpoint} with {@link ClientAuthentication}
 * and {@link Tokens}, {@link IdTokens}, {@link FhirEndpoint} with {@link Searches}); {@link Exchanges} carries out what
 * they decide.
 *
 * <p>
 * Thread-safety: request handling runs on the Vert.x event loop while tests read the state and turn the knobs from
 * their own threads, so every piece of mutable state is guarded by {@link #lock}, the endpoints' included. A request
 * is recorded and answered (as an {@link Outcome}) inside one critical section; the bytes are written outside it. The
 * one exception is {@code private_key_jwt}: the client's JWKS is fetched between two critical sections,
 * asynchronously. Accessors return copies.
 */
public final class FakeSmartServer implements AutoCloseable {

    /** How the server publishes its OAuth endpoints. */
    public enum DiscoveryMode {
        /** {@code .well-known/smart-configuration} with absolute URLs and S256, and the CapabilityStatement. */
        WELL_KNOWN,
        /** {@code .well-known} answers 404; only {@code /fhir/metadata} carries the oauth-uris extension. */
        METADATA_ONLY,
        /**
         * {@code .well-known} gives the endpoints as {@code ../oauth/...}, to be resolved against {@code
         * fhirBase() + "/"} (giving {@code baseUrl() + "/oauth/..."}), not against the document's own URL.
         */
        RELATIVE_ENDPOINTS,
        /** {@code code_challenge_methods_supported} is {@code ["plain"]}: a client must refuse to go on. */
        NO_S256,
        /** {@code .well-known} answers 200 {@code text/html} {@code <html>}, like a misconfigured proxy. */
        NOT_JSON
    }

    /** The id token in a refresh response. */
    public enum RefreshIdToken {
        /** Same user, but without {@code aud} and {@code nonce}, as some servers do. */
        WITHOUT_AUD_AND_NONCE,
        /** No id token at all. */
        NONE,
        /** An otherwise valid id token (with {@code aud}) for the subject {@code someone-else}. */
        OTHER_SUBJECT
    }

    /** A fault of the token endpoint's refresh grant, for the reliability scenarios. */
    public enum TokenFault {
        /** Answers normally. */
        NONE,
        /** Closes the connection under the request, unanswered and unprocessed: a server that is down. */
        HANG_UP,
        /** 500 with a plain text body, the grant not processed. */
        SERVER_ERROR,
        /** 200 {@code application/json} whose body is not JSON, the grant not processed. */
        GARBAGE,
        /** Never answers nor processes the request (the refresh token stays unused): the client must give up. */
        HOLD_BEFORE_GRANT,
        /** Grants mode: runs the grant (the refresh token is rotated) and never answers: the new token is lost. */
        HOLD_AFTER_GRANT
    }

    /** A fault of the FHIR endpoint, for the reliability scenarios. */
    public enum FhirFault {
        /** Answers normally. */
        NONE,
        /** Closes the connection under every FHIR request, unanswered: a server that is down. */
        HANG_UP,
        /** Never answers a FHIR request: the client must give up. */
        SLOW,
        /** Sends a 200 with its headers and the first bytes of a Bundle, then closes the connection. */
        CLOSE_MID_BODY
    }

    /** How the client must authenticate at the token endpoint, for both grants. */
    public enum ClientAuth {
        /** A public client: {@code client_id} in the form (Basic or an unchecked assertion are tolerated). */
        NONE,
        /** RFC 6749 2.3.1: {@code Authorization: Basic base64(urlencode(id) ":" urlencode(secret))} only. */
        CLIENT_SECRET_BASIC,
        /** {@code client_id} and {@code client_secret} in the form, and no Authorization header. */
        CLIENT_SECRET_POST,
        /** RFC 7523 assertion, verified against the JWKS at {@link #clientJwksUrl(String)}. */
        PRIVATE_KEY_JWT
    }

    /** One HTTP request as the server saw it. Header names are lower-cased; query is "" when absent. */
    public record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers,
            String body) {
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

        /** The bearer token of the Authorization header, or null. */
        String bearerToken() {
            String authorization = header("authorization");
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return null;
            }
            return authorization.substring(7).trim();
        }
    }

    private final Object lock = new Object();
    private final Vertx vertx;
    private final Identity identity = new Identity();
    private final Exchanges exchanges;
    private final IdTokens idTokens;
    private final Discovery discovery = new Discovery(identity);
    private final AuthorizationEndpoint authorization = new AuthorizationEndpoint(identity);
    private final ClientAuthentication clients = new ClientAuthentication();
    private final Tokens tokens = new Tokens();
    private final TokenEndpoint tokenEndpoint;
    private final Searches searches = new Searches(identity);
    private final FhirEndpoint fhir = new FhirEndpoint(identity, tokens, searches);
    /** Request body bytes received under /fhir, counted as they arrive, whether or not the body ever completed. */
    private final AtomicLong fhirBodyBytesReceived = new AtomicLong();
    /** Null until it listens. */
    private volatile HttpServer httpServer;
    // guarded by lock
    private final List<RecordedRequest> requests = new ArrayList<>();
    private int requestCount;
    private Set<String> stalledPaths = Set.of();
    private boolean closed;

    private FakeSmartServer(Vertx vertx, RsaJsonWebKey signingKey) {
        this.vertx = vertx;
        this.exchanges = new Exchanges(lock, identity);
        this.idTokens = new IdTokens(signingKey, identity);
        this.tokenEndpoint = new TokenEndpoint(lock, identity, authorization, idTokens, tokens, clients,
                new ClientAssertionVerifier(vertx));
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts a server on a free port of 127.0.0.1 and returns once it is listening. */
    public static FakeSmartServer start() {
        return start(0);
    }

    /**
     * Starts a server on this port of 127.0.0.1 (0: a free one) and returns once it is listening. A fixed port is for
     * a fake run as its own process ({@code FakeSmartServerMain}), whose address the caller must know beforehand.
     */
    public static FakeSmartServer start(int port) {
        // RSA key generation is the slowest step; let it overlap with booting Vert.x.
        CompletableFuture<RsaJsonWebKey> key = CompletableFuture.supplyAsync(IdTokens::generateKey);
        // One event loop is plenty, and no classpath/file caching so nothing is written to the working dir.
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions()
                        .setClassPathResolvingEnabled(false)
                        .setFileCachingEnabled(false)));
        FakeSmartServer fake;
        try {
            fake = new FakeSmartServer(vertx, key.join());
        } catch (RuntimeException e) {
            await(vertx.close());
            throw e;
        }
        try {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                    .requestHandler(fake::onRequest);
            await(server.listen());
            fake.httpServer = server;
            fake.identity.listensAt("http://127.0.0.1:" + server.actualPort());
            fake.idTokens.warmUp();
            return fake;
        } catch (RuntimeException e) {
            fake.close();
            throw e;
        }
    }

    /**
     * Stops the server. Requests still waiting for an answer are answered first, 503 with {@code Connection: close},
     * so their clients neither hang nor retry; then every connection is closed.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        await(exchanges.releaseAllForClosing());
        HttpServer server = httpServer;
        if (server != null) {
            await(server.close());
        }
        await(vertx.close()); // also closes the JWKS client
    }

    // ------------------------------------------------------------------ addresses and fixed identities

    public String baseUrl() {
        return identity.baseUrl();
    }

    /** The FHIR base URL, i.e. the SMART {@code iss} launch parameter and the {@code aud} of /authorize. */
    public String fhirBase() {
        return identity.fhirBase();
    }

    /** The authorization server's issuer; deliberately different from {@link #fhirBase()}. */
    public String issuer() {
        return identity.issuer();
    }

    /** The token endpoint; a client assertion's {@code aud} must be exactly this. */
    public String tokenEndpoint() {
        return identity.tokenEndpoint();
    }

    public String clientId() {
        return Identity.CLIENT_ID;
    }

    public String patientId() {
        return Identity.PATIENT_ID;
    }

    // ------------------------------------------------------------------ knobs

    private FakeSmartServer set(Runnable change) {
        synchronized (lock) {
            change.run();
        }
        return this;
    }

    /** The lifetime announced as {@code expires_in} and enforced at the FHIR endpoint. Default one hour. */
    public FakeSmartServer accessTokenLifetime(Duration lifetime) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative()) {
            throw new IllegalArgumentException("negative lifetime: " + lifetime);
        }
        return set(() -> tokens.accessTokenLifetime = lifetime);
    }

    /**
     * The clock access tokens live by (when issued, and when checked at the FHIR endpoint); the system clock by
     * default. A test that moves the BFF's clock gives the fake the same one, so a token expires in both at once.
     */
    public FakeSmartServer accessTokenClock(Clock clock) {
        Objects.requireNonNull(clock, "clock");
        return set(() -> tokens.clock = clock);
    }

    /**
     * Successful refresh grants are carried out at once (the refresh token is rotated) but answered only once
     * {@code gate} completes: a token endpoint that is slow to answer.
     */
    public FakeSmartServer holdRefreshAnswersUntil(CompletionStage<?> gate) {
        return set(() -> tokenEndpoint.refreshAnswerGate = gate);
    }

    /**
     * Also accepts this {@code aud} at /authorize: for a resource server that is not this fake (a FHIR base that is
     * down, or another server behind the same authorization server). Kept until the fake closes.
     */
    public FakeSmartServer acceptAudience(String audience) {
        authorization.otherAudiences.add(audience);
        return this;
    }

    /** Makes the next valid /authorize redirect back with {@code error=<error>} instead of a code. */
    public FakeSmartServer denyNextAuthorization(String error) {
        return set(() -> authorization.denyNext = error);
    }

    /** How the OAuth endpoints are published; see {@link DiscoveryMode}. Default {@code WELL_KNOWN}. */
    public FakeSmartServer discoveryMode(DiscoveryMode mode) {
        Objects.requireNonNull(mode, "mode");
        return set(() -> discovery.mode = mode);
    }

    /** Id tokens carry {@code fhirUser} as {@code fhirBase() + "/Practitioner/123"} instead of relative. */
    public FakeSmartServer fhirUserAbsolute(boolean absolute) {
        return set(() -> idTokens.fhirUserAbsolute = absolute);
    }

    /** Id tokens have no {@code kid} header; the JWKS still holds exactly one key. */
    public FakeSmartServer idTokenWithoutKid(boolean withoutKid) {
        return set(() -> idTokens.withoutKid = withoutKid);
    }

    /**
     * The {@code iss} of id tokens, when it should differ from the discovery {@link #issuer()} (the public SMART
     * launcher, for one, uses {@code <base>/auth/fhir}). Null restores {@code issuer()}.
     */
    public FakeSmartServer idTokenIssuer(String issuer) {
        return set(() -> idTokens.issuer = issuer);
    }

    /** The id token of the code exchange carries no {@code nonce}, even when /authorize had one. */
    public FakeSmartServer omitNonce(boolean omit) {
        return set(() -> tokenEndpoint.omitNonce = omit);
    }

    /** The id token of refresh responses; see {@link RefreshIdToken}. Default {@code WITHOUT_AUD_AND_NONCE}. */
    public FakeSmartServer refreshIdTokenMode(RefreshIdToken mode) {
        Objects.requireNonNull(mode, "mode");
        return set(() -> tokenEndpoint.refreshIdToken = mode);
    }

    /** How clients authenticate at the token endpoint; see {@link ClientAuth}. Default {@code NONE}. */
    public FakeSmartServer clientAuth(ClientAuth mode) {
        Objects.requireNonNull(mode, "mode");
        return set(() -> clients.mode = mode);
    }

    /**
     * The secret for {@code CLIENT_SECRET_BASIC} and {@code CLIENT_SECRET_POST}. The default contains reserved
     * characters (space, colon, slash, plus, percent, ampersand, equals); see {@link #clientSecret()}.
     */
    public FakeSmartServer clientSecret(String secret) {
        Objects.requireNonNull(secret, "secret");
        return set(() -> clients.secret = secret);
    }

    /** Where {@code PRIVATE_KEY_JWT} fetches the client's JWK Set, at every token request. */
    public FakeSmartServer clientJwksUrl(String url) {
        return set(() -> clients.jwksUrl = url);
    }

    /** /oauth/token answers 503 with an HTML page, as a load balancer in front of a dead server would. */
    public FakeSmartServer tokenEndpointDown(boolean down) {
        return set(() -> tokenEndpoint.down = down);
    }

    /**
     * Runs {@code hook} once a refresh grant has succeeded (the refresh token is rotated) and before its answer is
     * sent: the moment a client has lost its old token and not yet received the new one.
     */
    public FakeSmartServer beforeRefreshAnswer(Runnable hook) {
        return set(() -> tokenEndpoint.beforeRefreshAnswer = hook);
    }

    /** Closes the connection under each of the next {@code count} FHIR requests, without an answer. */
    public FakeSmartServer hangUpOnNextFhirRequests(int count) {
        return set(() -> fhir.hangUpsLeft = count);
    }

    /**
     * A hostile or broken server: {@code tamper} edits the body of every successful token response (code exchange and
     * refresh) before it is sent, after the id token in it was signed.
     */
    public FakeSmartServer tamperTokenResponses(Consumer<JsonObject> tamper) {
        return set(() -> tokenEndpoint.tamper = tamper);
    }

    /** {@code tamper} edits the claims of every id token before it is signed: a server that signs what it should not. */
    public FakeSmartServer tamperIdTokenClaims(Consumer<JwtClaims> tamper) {
        return set(() -> idTokens.tamper = tamper);
    }

    /**
     * Requests to these paths (e.g. {@code /oauth/token}, {@code /oauth/jwks}, {@code /oauth/revoke},
     * {@code /fhir/.well-known/smart-configuration}) are recorded and never answered while the server runs: a stalled
     * endpoint, until {@link #releaseStalled()} (or {@link #reset()}) answers them, so that the client's connections
     * are not held for the rest of a test run.
     */
    public FakeSmartServer stall(String... paths) {
        return set(() -> stalledPaths = Set.of(paths));
    }

    /** Stops stalling and answers every stalled request (503, {@code Connection: close}); waits until they are. */
    public void releaseStalled() {
        Set<String> paths;
        synchronized (lock) {
            paths = stalledPaths;
            stalledPaths = Set.of();
        }
        await(exchanges.release(paths::contains));
    }

    /**
     * Default false: a new grant makes the latest refresh token the only valid one. When true every grant keeps its
     * own refresh token, as real servers do for several launches of one user (two tabs, two patients).
     */
    public FakeSmartServer grantsPerLaunch(boolean perLaunch) {
        return set(() -> tokenEndpoint.perLaunch = perLaunch);
    }

    /**
     * Default true: every refresh issues a new refresh token and kills the presented one. When false the presented
     * refresh token stays valid and the refresh response carries no {@code refresh_token} (RFC 6749 section 6 lets
     * the server keep the old one), so the client must keep using the one it has.
     */
    public FakeSmartServer refreshTokensRotate(boolean rotate) {
        return set(() -> tokenEndpoint.rotate = rotate);
    }

    /**
     * Grants mode (default off): every code exchange starts a grant of its own with single-use refresh tokens, and a
     * refresh token presented a second time revokes its whole grant, as Keycloak and many EHRs do. Off, the fake knows
     * one live refresh token at a time, the last one issued.
     */
    public FakeSmartServer grantsMode(boolean on) {
        return set(() -> tokenEndpoint.grantsMode = on);
    }

    /** Default true; false keeps no request, token or refresh history (only counters), for a long soak. */
    public FakeSmartServer recordRequests(boolean record) {
        return set(() -> tokens.record = record);
    }

    public FakeSmartServer tokenFault(TokenFault fault) {
        Objects.requireNonNull(fault, "fault");
        return set(() -> tokenEndpoint.fault = fault);
    }

    public FakeSmartServer fhirFault(FhirFault fault) {
        Objects.requireNonNull(fault, "fault");
        return set(() -> fhir.fault = fault);
    }

    /**
     * Registers an EHR launch, as an EHR does before it opens the app with {@code launch=<id>&iss=<fhirBase>}. A code
     * issued for an authorization request with this {@code launch} reports this patient and encounter (either may be
     * null, and is then left out). Launch ids stay valid until {@link #reset()}.
     */
    public String issueLaunchId(String patientId, String encounterId) {
        synchronized (lock) {
            return authorization.issueLaunchId(patientId, encounterId);
        }
    }

    /** Makes every access token issued so far fail at the FHIR endpoint (401); refresh tokens keep working. */
    public void revokeAccessTokens() {
        set(tokens::revokeAccessTokens);
    }

    /**
     * Back to a fresh state between tests: forgets requests, counters, issued tokens, launches and seen client
     * assertions, restores every knob, and invalidates every outstanding code, access token and refresh token. The
     * signing key stays, so JWKS cached by the code under test remain valid.
     */
    public void reset() {
        releaseStalled();
        synchronized (lock) {
            requests.clear();
            requestCount = 0;
            authorization.reset();
            clients.reset();
            tokens.reset();
            tokenEndpoint.reset();
            searches.reset();
            discovery.mode = DiscoveryMode.WELL_KNOWN;
            idTokens.restoreKnobs();
            fhir.restoreKnobs();
            fhirBodyBytesReceived.set(0);
        }
    }

    // ------------------------------------------------------------------ observation

    private <T> T read(Supplier<T> state) {
        synchronized (lock) {
            return state.get();
        }
    }

    public List<RecordedRequest> requests() {
        return read(() -> List.copyOf(requests));
    }

    public List<RecordedRequest> fhirRequests() {
        return read(() -> requests.stream().filter(r -> FhirEndpoint.isUnderFhir(r.path())).toList());
    }

    /** Every request seen, also when {@link #recordRequests(boolean)} is off. */
    public int requestCount() {
        return read(() -> requestCount);
    }

    /** Request body bytes that reached the FHIR endpoints since the last {@link #reset()}, complete bodies or not. */
    public long fhirBodyBytesReceived() {
        return fhirBodyBytesReceived.get();
    }

    /** GETs of {@code /fhir/.well-known/smart-configuration}, in every discovery mode. */
    public int discoveryRequests() {
        return countGets(Discovery.WELL_KNOWN_PATH);
    }

    /** GETs of {@code /fhir/metadata}. */
    public int metadataRequests() {
        return countGets(Discovery.METADATA_PATH);
    }

    private int countGets(String path) {
        return read(() -> (int) requests.stream().filter(r -> "GET".equals(r.method()) && path.equals(r.path())).count());
    }

    /** Requests under {@code /fhir} that presented {@code accessToken} as their bearer token, valid or not. */
    public int fhirCallsWith(String accessToken) {
        return read(() -> (int) requests.stream()
                .filter(r -> FhirEndpoint.isUnderFhir(r.path()) && Objects.equals(accessToken, r.bearerToken()))
                .count());
    }

    /** Every parameter of the last /authorize request (launch, aud...). */
    public Map<String, String> lastAuthorizeParams() {
        return read(() -> authorization.lastParams); // already an unmodifiable copy
    }

    public int tokenRequests() {
        return read(() -> tokenEndpoint.requests);
    }

    public int refreshGrants() {
        return read(() -> tokens.refreshGrants);
    }

    /** Grants mode: how many grants were started (code exchanges). */
    public int grantsIssued() {
        return read(() -> tokens.grantsIssued);
    }

    /** Grants mode: how many times a used refresh token was presented again (each revoked its grant). */
    public int refreshTokenReplays() {
        return read(() -> tokens.refreshTokenReplays);
    }

    public Set<String> issuedAccessTokens() {
        return read(() -> Collections.unmodifiableSet(new LinkedHashSet<>(tokens.issuedAccessTokens)));
    }

    public Set<String> issuedRefreshTokens() {
        return read(() -> Collections.unmodifiableSet(new LinkedHashSet<>(tokens.issuedRefreshTokens)));
    }

    public String currentRefreshToken() {
        return read(() -> tokens.currentRefreshToken);
    }

    public List<String> usedRefreshTokens() {
        return read(() -> List.copyOf(tokens.usedRefreshTokens));
    }

    /** The client secret currently required by the secret-based {@link ClientAuth} modes. */
    public String clientSecret() {
        return read(() -> clients.secret);
    }

    /**
     * The client assertions accepted so far (signature, claims and a fresh {@code jti}), oldest first; each map has
     * alg, kid, iss, sub, aud (as sent: a string or a list), exp, iat (null when absent) and jti.
     */
    public List<Map<String, Object>> verifiedClientAssertions() {
        return read(clients::verifiedAssertions);
    }

    /** Waits (on a latch, no polling) until a {@code _fake=big} response first waits for a full write queue. */
    boolean awaitBigBundleBackPressure(Duration timeout) throws InterruptedException {
        return exchanges.firstBackPressure().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until a request matching {@code test} has been recorded; false when the timeout passes first. */
    public boolean awaitRequest(Predicate<RecordedRequest> test, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (requests.stream().noneMatch(test)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    // ------------------------------------------------------------------ requests

    private void onRequest(HttpServerRequest req) {
        // Read the whole body first: it is recorded, and /token and /revoke parse it as a form. FHIR body bytes are
        // also counted as they come, so a test sees what arrived of a body that was cut off.
        Buffer body = Buffer.buffer();
        boolean underFhir = FhirEndpoint.isUnderFhir(req.path());
        req.handler(chunk -> {
            if (underFhir) {
                fhirBodyBytesReceived.addAndGet(chunk.length());
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(ignored -> {
            // the client went away; nothing to answer
        });
        req.endHandler(ignored -> {
            exchanges.arrivedOn(Vertx.currentContext());
            Outcome outcome;
            synchronized (lock) {
                RecordedRequest recorded = record(req, body);
                outcome = TokenEndpoint.safely(() -> route(recorded));
            }
            exchanges.carryOut(req, outcome);
        });
    }

    private RecordedRequest record(HttpServerRequest req, Buffer body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach(h -> headers
                .computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .add(h.getValue()));
        headers.replaceAll((k, v) -> List.copyOf(v));
        RecordedRequest recorded = new RecordedRequest(req.method().name(), req.path(), req.query(), headers,
                body.toString(StandardCharsets.UTF_8));
        requestCount++;
        if (tokens.record) {
            requests.add(recorded);
        }
        lock.notifyAll(); // wakes awaitRequest
        return recorded;
    }

    private Outcome route(RecordedRequest r) {
        if (stalledPaths.contains(r.path())) {
            return new Outcome.NoAnswer();
        }
        switch (r.path()) {
            case Discovery.WELL_KNOWN_PATH:
                return discovery.smartConfiguration(clients.mode);
            case Discovery.METADATA_PATH:
                return FhirEndpoint.withUpstreamCookie(discovery.capabilityStatement());
            case "/oauth/authorize":
                return "GET".equals(r.method()) ? authorization.authorize(r) : methodNotAllowed();
            case "/oauth/token":
                return "POST".equals(r.method()) ? tokenEndpoint.token(r) : methodNotAllowed();
            case "/oauth/jwks":
                return idTokens.jwks();
            case "/oauth/revoke":
                return "POST".equals(r.method()) ? tokenEndpoint.revoke(r) : methodNotAllowed();
            case "/style.json":
                return Outcome.json(200, new JsonObject().put("color_background", "#edeae3")
                        .put("color_highlight", "#69b5ce"));
            default:
                return FhirEndpoint.isUnderFhir(r.path()) ? fhir.handle(r)
                        : Outcome.json(404, new JsonObject().put("error", "not_found").put("path", r.path()));
        }
    }

    private static Outcome.Reply methodNotAllowed() {
        return Outcome.oauthError(405, "invalid_request", "method not allowed");
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
