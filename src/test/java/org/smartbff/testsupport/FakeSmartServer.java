package org.smartbff.testsupport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A fake SMART on FHIR authorization server and FHIR server for integration tests.
 *
 * <p>It speaks real HTTP (its own Vert.x instance, bound to 127.0.0.1 on a free port) and signs real
 * RS256 JWTs with a key pair generated at start, so the code under test exercises its genuine HTTP
 * client, discovery, PKCE and JWT validation paths rather than mocks.
 *
 * <p>By default it is a well-behaved SMART App Launch 2 server for a public client. Knobs make it behave like
 * the less tidy servers found in the wild (discovery only via the CapabilityStatement, relative endpoint URLs, id
 * tokens without {@code kid}, {@code aud} or {@code nonce}, non-rotating refresh tokens, an outage), or require
 * confidential client authentication ({@link ClientAuth}). {@link #reset()} restores every knob.
 *
 * <p>Thread-safety: request handling runs on the Vert.x event loop while tests read the state and turn the
 * knobs from their own threads, so every piece of mutable state is guarded by {@link #lock}. A request is
 * recorded and answered (as an {@link Outcome}) inside one critical section; the bytes are written outside it.
 * The one exception is {@code private_key_jwt}: the client's JWKS is fetched between two critical sections,
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

    /** A fault of the token endpoint, for the reliability scenarios (src/test/java/org/smartbff/reliability). */
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
        /** Runs the grant (the refresh token is rotated) and then never answers: the client loses the new token. */
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

    private static final String CLIENT_ID = "smart-bff-test";
    private static final String PATIENT_ID = "e4531916-b162-4f4b-90c2-ce37e132b8d4";
    private static final String DEFAULT_ENCOUNTER_ID = "enc-1";
    private static final String SUBJECT = "practitioner-123";
    private static final String OTHER_SUBJECT = "someone-else";
    /**
     * Reserved characters on purpose: a client that skips the urlencoding of RFC 6749 2.3.1 fails with it. A
     * raw {@code %&} is not even a valid escape, and a raw {@code +} would decode to a space.
     */
    private static final String DEFAULT_CLIENT_SECRET = "fake secret:with/reserved+chars%&=";
    /** The base the sample FHIR files were captured from; rewritten to {@link #fhirBase()} when served. */
    private static final String SAMPLE_FHIR_BASE = "http://127.0.0.1:8088/fhir";
    private static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofSeconds(3600);
    private static final long ID_TOKEN_LIFETIME_SECONDS = 300;
    private static final int MAX_BIG_MEBIBYTES = 4096;
    private static final String OAUTH_URIS_EXTENSION =
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
    private static final String WELL_KNOWN_PATH = "/fhir/.well-known/smart-configuration";
    private static final String METADATA_PATH = "/fhir/metadata";
    private static final String ECHO_PREFIX = "/fhir/echo/";
    /** Audiences accepted besides {@link #fhirBase()}; see {@link #acceptAudience}. */
    private final Set<String> otherAudiences = java.util.concurrent.ConcurrentHashMap.newKeySet();
    static final String REDIRECT_TARGET = "https://elsewhere.example/steal";
    private static final String JSON = "application/json";
    private static final String FHIR_JSON = "application/fhir+json";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final RsaJsonWebKey signingKey;
    private final String patientJson;
    private final String observationBundleTemplate;
    private final ClientAssertionVerifier assertionVerifier;
    /** Sample searchsets of the other types the demo SPA reads, by resource type; hand-written for the fake. */
    private final Map<String, String> otherSearchsetTemplates = Map.of(
            "Condition", classpathResource("/fhir/Condition-searchset.json"),
            "MedicationRequest", classpathResource("/fhir/MedicationRequest-searchset.json"));
    /** Known only once the server listens; volatile because the event loop reads it. */
    private volatile String baseUrl;
    /** Null until it listens. */
    private volatile HttpServer httpServer;
    /** Times a big bundle waited for the write queue to drain; touched by the event loop only, read by tests. */
    private final AtomicInteger bigBundleBackPressureWaits = new AtomicInteger();
    /** Request body bytes received under /fhir, counted as they arrive, whether or not the body ever completed. */
    private final java.util.concurrent.atomic.AtomicLong fhirBodyBytesReceived = new java.util.concurrent.atomic.AtomicLong();
    /** Opened at the first back-pressure wait of a big bundle. */
    private final java.util.concurrent.CountDownLatch firstBackPressure = new java.util.concurrent.CountDownLatch(1);

    private final Object lock = new Object();
    // --- everything below is guarded by lock ---
    private final List<RecordedRequest> requests = new ArrayList<>();
    private Map<String, String> lastAuthorizeParams = Map.of();
    private final Map<String, PendingCode> pendingCodes = new HashMap<>();
    private final Map<String, LaunchContext> launches = new HashMap<>();
    /** Access tokens that still work at the FHIR endpoint, with their wall-clock expiry. */
    private final Map<String, Instant> liveAccessTokens = new HashMap<>();
    private final Set<String> issuedAccessTokens = new LinkedHashSet<>();
    private final Set<String> issuedRefreshTokens = new LinkedHashSet<>();
    private final List<String> usedRefreshTokens = new ArrayList<>();
    private final Set<String> seenAssertionIds = new HashSet<>();
    private final List<Map<String, Object>> verifiedClientAssertions = new ArrayList<>();
    /** Requests to /fhir/slow still waiting; {@link #close()} answers them. */
    private final Set<Parked> parked = new HashSet<>();
    /** The matches of each paged search, by the id its {@code _getpages} links carry. */
    private final Map<String, List<JsonObject>> searches = new HashMap<>();
    private String currentRefreshToken;
    private String currentRefreshScope;
    private int tokenRequests;
    private int refreshGrants;
    private String denyNextAuthorization;
    private boolean closed;
    // knobs, restored by reset()
    private Duration accessTokenLifetime;
    private Clock accessTokenClock;
    private CompletionStage<?> refreshAnswerGate;
    private DiscoveryMode discoveryMode;
    private boolean fhirUserAbsolute;
    private boolean idTokenWithoutKid;
    private String idTokenIssuer;
    private boolean omitNonce;
    private RefreshIdToken refreshIdTokenMode;
    private boolean fhirContextArray;
    private ClientAuth clientAuth;
    private String clientSecret;
    private String clientJwksUrl;
    private boolean tokenEndpointDown;
    private Runnable beforeRefreshAnswer;
    /** The event loops requests arrived on, so {@link #close()} can wait out requests being parked there. */
    private final Set<Context> requestContexts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Answers to requests that were parked after {@link #close()} began. */
    private final List<Future<Void>> lateReleases = new ArrayList<>();
    private int hangUpsLeft;
    private boolean refreshTokensRotate;
    /** Whether every grant keeps its refresh token (several launches in one browser), not only the latest. */
    private boolean grantsPerLaunch;
    /** The refresh tokens of live grants and their scopes; consulted when {@link #grantsPerLaunch}. */
    private final Map<String, String> liveGrants = new HashMap<>();
    private java.util.function.Consumer<JsonObject> tokenResponseTamper;
    private java.util.function.Consumer<JwtClaims> idTokenTamper;
    private Set<String> stalledPaths;
    private boolean grantsMode;
    private boolean recordRequests;
    private TokenFault tokenFault;
    private FhirFault fhirFault;
    /** Grants mode: every refresh token ever issued, live or used, to its grant. */
    private final Map<String, Grant> grantsByRefreshToken = new HashMap<>();
    private int grantsIssued;
    private int refreshTokenReplays;
    private int requestCount;

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

        /** The bearer token of the Authorization header, or null. */
        String bearerToken() {
            String authorization = header("authorization");
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return null;
            }
            return authorization.substring(7).trim();
        }
    }

    /** The SMART launch context a token response reports; either id may be null (then left out). */
    private record LaunchContext(String patientId, String encounterId) {
    }

    /** What /authorize remembered about a code, to check the later token exchange against. */
    private record PendingCode(String clientId, String redirectUri, String codeChallenge, String nonce,
                               String scope, LaunchContext launch) {
    }

    /** The claims that vary between the id tokens of a code exchange and of a refresh. */
    private record IdTokenSpec(String subject, boolean withAudience, String nonce) {
    }

    /** What to do with a request, decided under the lock and carried out after it is released. */
    private sealed interface Outcome permits Reply, BigBundle, NoAnswer, HangUp, Deferred, CutShort {
    }

    /** A complete response. */
    private record Reply(int status, Map<String, String> headers, String body) implements Outcome {
        Reply withHeader(String name, String value) {
            Map<String, String> copy = new LinkedHashMap<>(headers);
            copy.put(name, value);
            return new Reply(status, copy, body);
        }
    }

    /** A 200 whose body {@link BigBundleWriter} streams. */
    private record BigBundle(Map<String, String> headers, int mebibytes) implements Outcome {
    }

    /** The request is left unanswered while the server runs; {@link #close()} answers it. */
    private record NoAnswer() implements Outcome {
    }

    /** The connection is closed under the request, unanswered: a keep-alive connection the server just dropped. */
    private record HangUp() implements Outcome {
    }

    /** A 200 whose body stops after a few bytes: the connection is closed mid-body. */
    private record CutShort() implements Outcome {
    }

    /**
     * One authorization (a code exchange and its refreshes) in grants mode: the refresh token that is live now and
     * every access token issued under it, so that a replayed refresh token can revoke all of them at once.
     */
    private static final class Grant {
        final String scope;
        final Set<String> accessTokens = new HashSet<>();
        String liveRefreshToken;
        boolean revoked;

        Grant(String scope) {
            this.scope = scope;
        }
    }

    /** An unanswered request and the context (event loop) its response must be written on. */
    private record Parked(HttpServerRequest request, Context context) {
    }

    /** Work to start once the lock is released (it takes the lock again itself when it needs it). */
    private record Deferred(Supplier<Future<Outcome>> work) implements Outcome {
    }

    private FakeSmartServer(Vertx vertx, RsaJsonWebKey signingKey, String patientJson,
                            String observationBundleTemplate) {
        this.vertx = vertx;
        this.signingKey = signingKey;
        this.patientJson = patientJson;
        this.observationBundleTemplate = observationBundleTemplate;
        this.assertionVerifier = new ClientAssertionVerifier(vertx);
        restoreKnobs();
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts a server on a free port of 127.0.0.1 and returns once it is listening. */
    public static FakeSmartServer start() {
        return start(0);
    }

    /**
     * Starts a server on this port of 127.0.0.1 (0: a free one) and returns once it is listening. A fixed port is for
     * a fake run as its own process ({@link FakeSmartServerMain}), whose address the caller must know beforehand.
     */
    public static FakeSmartServer start(int port) {
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
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                    .requestHandler(fake::onRequest);
            await(server.listen());
            fake.httpServer = server;
            fake.baseUrl = "http://127.0.0.1:" + server.actualPort();
            fake.warmUp();
            return fake;
        } catch (RuntimeException e) {
            fake.close();
            throw e;
        }
    }

    /**
     * Loads and initialises the JSON and JOSE code paths on the starting thread, so the first requests do not
     * block the event loop for seconds with class loading (Vert.x would warn about a blocked thread).
     */
    private void warmUp() {
        String token;
        synchronized (lock) {
            token = idToken(new IdTokenSpec(SUBJECT, true, "warm-up"));
            json(200, new JsonObject().put("warm", new JsonArray().add(1))).body();
        }
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setCompactSerialization(token);
            jws.setKey(signingKey.getPublicKey());
            jws.verifySignature();
            JwtClaims.parse(jws.getPayload());
        } catch (Exception e) {
            throw new IllegalStateException("warm-up failed", e);
        }
    }

    /**
     * Stops the server. Requests to {@code /fhir/slow} still waiting are answered first, 503 with {@code
     * Connection: close}, so their clients neither hang nor retry; then every connection is closed.
     *
     * <p>Why answer rather than just drop them: a client whose connection drops before any response retries
     * an idempotent request at once (the JDK client does), and a connection that arrives while Vert.x 4 is
     * closing the server makes Netty log a "Failed to register an accepted channel" stack trace.
     */
    @Override
    public void close() {
        List<Parked> waiting;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            waiting = List.copyOf(parked);
            parked.clear();
        }
        List<Future<Void>> releases = new ArrayList<>(waiting.stream().map(FakeSmartServer::releaseAtShutdown).toList());
        // A request recorded just before `closed` was set may not be parked yet: it is, or is answered with a 503,
        // within the event-loop task that recorded it. One empty task on each such event loop waits that out, so no
        // connection is closed under an answer still being written.
        for (Context context : requestContexts) {
            Promise<Void> passed = Promise.promise();
            context.runOnContext(v -> passed.complete());
            await(passed.future());
        }
        synchronized (lock) {
            releases.addAll(lateReleases);
        }
        await(Future.join(releases).<Void>mapEmpty().otherwiseEmpty());
        HttpServer server = httpServer;
        if (server != null) {
            await(server.close());
        }
        await(vertx.close()); // also closes the JWKS client
    }

    /** Answers a parked request on its own event loop; the future completes once that is done, however it went. */
    private static Future<Void> releaseAtShutdown(Parked waiting) {
        Promise<Void> done = Promise.promise();
        waiting.context().runOnContext(v -> {
            try {
                HttpServerResponse response = waiting.request().response();
                if (response.ended() || response.closed()) {
                    done.tryComplete();
                    return;
                }
                response.setStatusCode(503).putHeader("Content-Type", "text/plain; charset=utf-8");
                if (waiting.request().version() != HttpVersion.HTTP_2) {
                    response.putHeader("Connection", "close"); // a connection-specific header, not allowed in h2
                }
                response.end("the fake SMART server is shutting down").onComplete(ar -> done.tryComplete());
            } catch (RuntimeException e) {
                done.tryComplete(); // the stream was reset meanwhile; nothing left to answer
            }
        });
        return done.future();
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

    /** The token endpoint; a client assertion's {@code aud} must be exactly this. */
    public String tokenEndpoint() {
        return baseUrl + "/oauth/token";
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

    /**
     * The clock access tokens live by (when issued, and when checked at the FHIR endpoint); the system clock by
     * default. A test that moves the BFF's clock gives the fake the same one, so a token expires in both at once.
     */
    public FakeSmartServer accessTokenClock(Clock clock) {
        synchronized (lock) {
            accessTokenClock = Objects.requireNonNull(clock, "clock");
        }
        return this;
    }

    /**
     * Successful refresh grants are carried out at once (the refresh token is rotated) but answered only once
     * {@code gate} completes: a token endpoint that is slow to answer.
     */
    public FakeSmartServer holdRefreshAnswersUntil(CompletionStage<?> gate) {
        synchronized (lock) {
            refreshAnswerGate = gate;
        }
        return this;
    }

    /**
     * Also accepts this {@code aud} at /authorize: for a resource server that is not this fake (a FHIR base that is down,
     * or another server behind the same authorization server). Kept until the fake closes.
     */
    public FakeSmartServer acceptAudience(String audience) {
        otherAudiences.add(audience);
        return this;
    }

    /** Makes the next valid /authorize redirect back with {@code error=<error>} instead of a code. */
    public FakeSmartServer denyNextAuthorization(String error) {
        synchronized (lock) {
            denyNextAuthorization = error;
        }
        return this;
    }

    /** How the OAuth endpoints are published; see {@link DiscoveryMode}. Default {@code WELL_KNOWN}. */
    public FakeSmartServer discoveryMode(DiscoveryMode mode) {
        Objects.requireNonNull(mode, "mode");
        synchronized (lock) {
            discoveryMode = mode;
        }
        return this;
    }

    /** Id tokens carry {@code fhirUser} as {@code fhirBase() + "/Practitioner/123"} instead of relative. */
    public FakeSmartServer fhirUserAbsolute(boolean absolute) {
        synchronized (lock) {
            fhirUserAbsolute = absolute;
        }
        return this;
    }

    /** Id tokens have no {@code kid} header; the JWKS still holds exactly one key. */
    public FakeSmartServer idTokenWithoutKid(boolean withoutKid) {
        synchronized (lock) {
            idTokenWithoutKid = withoutKid;
        }
        return this;
    }

    /**
     * The {@code iss} of id tokens, when it should differ from the discovery {@link #issuer()} (the public
     * SMART launcher, for one, uses {@code <base>/auth/fhir}). Null restores {@code issuer()}.
     */
    public FakeSmartServer idTokenIssuer(String issuer) {
        synchronized (lock) {
            idTokenIssuer = issuer;
        }
        return this;
    }

    /** The id token of the code exchange carries no {@code nonce}, even when /authorize had one. */
    public FakeSmartServer omitNonce(boolean omit) {
        synchronized (lock) {
            omitNonce = omit;
        }
        return this;
    }

    /** The id token of refresh responses; see {@link RefreshIdToken}. Default {@code WITHOUT_AUD_AND_NONCE}. */
    public FakeSmartServer refreshIdTokenMode(RefreshIdToken mode) {
        Objects.requireNonNull(mode, "mode");
        synchronized (lock) {
            refreshIdTokenMode = mode;
        }
        return this;
    }

    /** Whether the code exchange reports {@code fhirContext} (an array of references). Default true. */
    public FakeSmartServer fhirContextArray(boolean present) {
        synchronized (lock) {
            fhirContextArray = present;
        }
        return this;
    }

    /** How clients authenticate at the token endpoint; see {@link ClientAuth}. Default {@code NONE}. */
    public FakeSmartServer clientAuth(ClientAuth mode) {
        Objects.requireNonNull(mode, "mode");
        synchronized (lock) {
            clientAuth = mode;
        }
        return this;
    }

    /**
     * The secret for {@code CLIENT_SECRET_BASIC} and {@code CLIENT_SECRET_POST}. The default contains reserved
     * characters (space, colon, slash, plus, percent, ampersand, equals); see {@link #clientSecret()}.
     */
    public FakeSmartServer clientSecret(String secret) {
        Objects.requireNonNull(secret, "secret");
        synchronized (lock) {
            clientSecret = secret;
        }
        return this;
    }

    /** Where {@code PRIVATE_KEY_JWT} fetches the client's JWK Set, at every token request. */
    public FakeSmartServer clientJwksUrl(String url) {
        synchronized (lock) {
            clientJwksUrl = url;
        }
        return this;
    }

    /** /oauth/token answers 503 with an HTML page, as a load balancer in front of a dead server would. */
    /**
     * Runs {@code hook} once a refresh grant has succeeded (the refresh token is rotated) and before its answer is
     * sent: the moment a client has lost its old token and not yet received the new one.
     */
    public FakeSmartServer beforeRefreshAnswer(Runnable hook) {
        synchronized (lock) {
            beforeRefreshAnswer = hook;
        }
        return this;
    }

    /** Closes the connection under each of the next {@code count} FHIR requests, without an answer. */
    public FakeSmartServer hangUpOnNextFhirRequests(int count) {
        synchronized (lock) {
            hangUpsLeft = count;
        }
        return this;
    }

    /**
     * A hostile or broken server: {@code tamper} edits the body of every successful token response (code exchange and
     * refresh) before it is sent, after the id token in it was signed.
     */
    public FakeSmartServer tamperTokenResponses(java.util.function.Consumer<JsonObject> tamper) {
        synchronized (lock) {
            tokenResponseTamper = tamper;
        }
        return this;
    }

    /** {@code tamper} edits the claims of every id token before it is signed: a server that signs what it should not. */
    public FakeSmartServer tamperIdTokenClaims(java.util.function.Consumer<JwtClaims> tamper) {
        synchronized (lock) {
            idTokenTamper = tamper;
        }
        return this;
    }

    /**
     * Requests to these paths (e.g. {@code /oauth/token}, {@code /oauth/jwks}, {@code /oauth/revoke},
     * {@code /fhir/.well-known/smart-configuration}) are recorded and never answered while the server runs: a stalled
     * endpoint, until {@link #releaseStalled()} (or {@link #reset()}) answers them, so that the client's connections
     * are not held for the rest of a test run.
     */
    public FakeSmartServer stall(String... paths) {
        synchronized (lock) {
            stalledPaths = Set.of(paths);
        }
        return this;
    }

    /** Stops stalling and answers every stalled request (503, {@code Connection: close}); waits until they are. */
    public void releaseStalled() {
        List<Parked> stalled;
        synchronized (lock) {
            Set<String> paths = stalledPaths;
            stalled = parked.stream().filter(waiting -> paths.contains(waiting.request().path())).toList();
            parked.removeAll(stalled);
            stalledPaths = Set.of();
        }
        await(Future.join(stalled.stream().map(FakeSmartServer::releaseAtShutdown).toList()).<Void>mapEmpty()
                .otherwiseEmpty());
    }

    public FakeSmartServer tokenEndpointDown(boolean down) {
        synchronized (lock) {
            tokenEndpointDown = down;
        }
        return this;
    }

    /**
     * Default false: a new grant makes the latest refresh token the only valid one. When true every grant keeps its
     * own refresh token, as real servers do for several launches of one user (two tabs, two patients).
     */
    public FakeSmartServer grantsPerLaunch(boolean perLaunch) {
        synchronized (lock) {
            grantsPerLaunch = perLaunch;
        }
        return this;
    }

    /**
     * Default true: every refresh issues a new refresh token and kills the presented one. When false the
     * presented refresh token stays valid and the refresh response carries no {@code refresh_token} (RFC 6749
     * section 6 lets the server keep the old one), so the client must keep using the one it has.
     */
    public FakeSmartServer refreshTokensRotate(boolean rotate) {
        synchronized (lock) {
            refreshTokensRotate = rotate;
        }
        return this;
    }

    /**
     * Grants mode (default off): every code exchange starts a grant of its own with single-use refresh tokens, and a
     * refresh token presented a second time revokes its whole grant, as Keycloak and many EHRs do. Off, the fake
     * knows one live refresh token at a time, the last one issued.
     */
    public FakeSmartServer grantsMode(boolean on) {
        synchronized (lock) {
            grantsMode = on;
        }
        return this;
    }

    /** Default true; false keeps no request, token or refresh history (only counters), for a long soak. */
    public FakeSmartServer recordRequests(boolean record) {
        synchronized (lock) {
            recordRequests = record;
        }
        return this;
    }

    public FakeSmartServer tokenFault(TokenFault fault) {
        synchronized (lock) {
            tokenFault = Objects.requireNonNull(fault);
        }
        return this;
    }

    public FakeSmartServer fhirFault(FhirFault fault) {
        synchronized (lock) {
            fhirFault = Objects.requireNonNull(fault);
        }
        return this;
    }

    /** Grants mode: how many grants were started (code exchanges). */
    public int grantsIssued() {
        synchronized (lock) {
            return grantsIssued;
        }
    }

    /** Grants mode: how many times a used refresh token was presented again (each revoked its grant). */
    public int refreshTokenReplays() {
        synchronized (lock) {
            return refreshTokenReplays;
        }
    }

    /** Every request seen, also when {@link #recordRequests(boolean)} is off. */
    public int requestCount() {
        synchronized (lock) {
            return requestCount;
        }
    }

    /**
     * Registers an EHR launch, as an EHR does before it opens the app with {@code launch=<id>&iss=<fhirBase>}.
     * A code issued for an authorization request with this {@code launch} reports this patient and encounter
     * (either may be null, and is then left out). Launch ids stay valid until {@link #reset()}.
     */
    public String issueLaunchId(String patientId, String encounterId) {
        String launchId = "launch-" + randomToken().substring(0, 16);
        synchronized (lock) {
            launches.put(launchId, new LaunchContext(patientId, encounterId));
        }
        return launchId;
    }

    /** Makes every access token issued so far fail at the FHIR endpoint (401); refresh tokens keep working. */
    public void revokeAccessTokens() {
        synchronized (lock) {
            liveAccessTokens.clear();
        }
    }

    /**
     * Back to a fresh state between tests: forgets requests, counters, issued tokens, launches and seen client
     * assertions, restores every knob, and invalidates every outstanding code, access token and refresh token.
     * The signing key stays, so JWKS cached by the code under test remain valid.
     */
    public void reset() {
        releaseStalled();
        synchronized (lock) {
            requests.clear();
            lastAuthorizeParams = Map.of();
            pendingCodes.clear();
            launches.clear();
            liveAccessTokens.clear();
            issuedAccessTokens.clear();
            issuedRefreshTokens.clear();
            usedRefreshTokens.clear();
            seenAssertionIds.clear();
            verifiedClientAssertions.clear();
            searches.clear();
            currentRefreshToken = null;
            currentRefreshScope = null;
            liveGrants.clear();
            grantsByRefreshToken.clear();
            grantsIssued = 0;
            refreshTokenReplays = 0;
            requestCount = 0;
            tokenRequests = 0;
            refreshGrants = 0;
            denyNextAuthorization = null;
            restoreKnobs();
            bigBundleBackPressureWaits.set(0);
            fhirBodyBytesReceived.set(0);
        }
    }

    private void restoreKnobs() {
        synchronized (lock) {
            accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
            accessTokenClock = Clock.systemUTC();
            refreshAnswerGate = null;
            grantsPerLaunch = false;
            discoveryMode = DiscoveryMode.WELL_KNOWN;
            fhirUserAbsolute = false;
            idTokenWithoutKid = false;
            idTokenIssuer = null;
            omitNonce = false;
            refreshIdTokenMode = RefreshIdToken.WITHOUT_AUD_AND_NONCE;
            fhirContextArray = true;
            clientAuth = ClientAuth.NONE;
            clientSecret = DEFAULT_CLIENT_SECRET;
            clientJwksUrl = null;
            tokenEndpointDown = false;
            beforeRefreshAnswer = null;
            hangUpsLeft = 0;
            refreshTokensRotate = true;
            tokenResponseTamper = null;
            idTokenTamper = null;
            stalledPaths = Set.of();
            grantsMode = false;
            recordRequests = true;
            tokenFault = TokenFault.NONE;
            fhirFault = FhirFault.NONE;
        }
    }

    // ------------------------------------------------------------------ observation

    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** Request body bytes that reached the FHIR endpoints since the last {@link #reset()}, complete bodies or not. */
    public long fhirBodyBytesReceived() {
        return fhirBodyBytesReceived.get();
    }

    public List<RecordedRequest> fhirRequests() {
        synchronized (lock) {
            return requests.stream().filter(r -> isUnderFhir(r.path())).toList();
        }
    }

    /** GETs of {@code /fhir/.well-known/smart-configuration}, in every discovery mode. */
    public int discoveryRequests() {
        return countGets(WELL_KNOWN_PATH);
    }

    /** GETs of {@code /fhir/metadata}. */
    public int metadataRequests() {
        return countGets(METADATA_PATH);
    }

    private int countGets(String path) {
        synchronized (lock) {
            return (int) requests.stream().filter(r -> "GET".equals(r.method()) && path.equals(r.path())).count();
        }
    }

    /** Requests under {@code /fhir} that presented {@code accessToken} as their bearer token, valid or not. */
    public int fhirCallsWith(String accessToken) {
        synchronized (lock) {
            return (int) requests.stream()
                    .filter(r -> isUnderFhir(r.path()) && Objects.equals(accessToken, r.bearerToken()))
                    .count();
        }
    }

    public Map<String, String> lastAuthorizeParams() {
        synchronized (lock) {
            return lastAuthorizeParams; // already an unmodifiable copy, with every parameter (launch, aud...)
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

    /** The client secret currently required by the secret-based {@link ClientAuth} modes. */
    public String clientSecret() {
        synchronized (lock) {
            return clientSecret;
        }
    }

    /**
     * The client assertions accepted so far (signature, claims and a fresh {@code jti}), oldest first; each map
     * has alg, kid, iss, sub, aud (as sent: a string or a list), exp, iat (null when absent) and jti.
     */
    public List<Map<String, Object>> verifiedClientAssertions() {
        synchronized (lock) {
            return List.copyOf(verifiedClientAssertions); // the maps themselves are unmodifiable
        }
    }

    /** How often a {@code /fhir/big} response had to wait for a full write queue to drain. */
    int bigBundleBackPressureWaits() {
        return bigBundleBackPressureWaits.get();
    }

    /** Waits (on a latch, no polling) until a {@code /fhir/big} response first waits for a full write queue. */
    boolean awaitBigBundleBackPressure(Duration timeout) throws InterruptedException {
        return firstBackPressure.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Waits until a request matching {@code test} has been recorded; false when the timeout passes first. */
    public boolean awaitRequest(java.util.function.Predicate<RecordedRequest> test, Duration timeout)
            throws InterruptedException {
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

    // ------------------------------------------------------------------ request plumbing

    private void onRequest(HttpServerRequest req) {
        // Read the whole body first: it is recorded, and /token and /revoke parse it as a form. FHIR body bytes are
        // also counted as they come, so a test sees what arrived of a body that was cut off.
        Buffer body = Buffer.buffer();
        boolean fhir = isUnderFhir(req.path());
        req.handler(chunk -> {
            if (fhir) {
                fhirBodyBytesReceived.addAndGet(chunk.length());
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(ignored -> {
            // the client went away; nothing to answer
        });
        req.endHandler(ignored -> {
            Outcome outcome;
            synchronized (lock) {
                RecordedRequest recorded = recordRequest(req, body);
                outcome = routeSafely(() -> route(recorded));
            }
            carryOut(req, outcome);
        });
    }

    /** Makes a bug in the fake visible to the test as a 500 instead of hanging the client. */
    private static Outcome routeSafely(Supplier<Outcome> route) {
        try {
            return route.get();
        } catch (RuntimeException e) {
            return text(500, e.toString());
        }
    }

    private void carryOut(HttpServerRequest req, Outcome outcome) {
        HttpServerResponse response = req.response();
        if (outcome instanceof Reply reply) {
            send(response, reply);
        } else if (outcome instanceof BigBundle big) {
            response.setStatusCode(200);
            big.headers().forEach(response::putHeader);
            new BigBundleWriter(response, fhirBase(), PATIENT_ID, big.mebibytes(),
                    () -> {
                        bigBundleBackPressureWaits.incrementAndGet();
                        firstBackPressure.countDown();
                    }).start();
        } else if (outcome instanceof Deferred deferred) {
            Future<Outcome> later;
            try {
                later = deferred.work().get();
            } catch (RuntimeException e) {
                later = Future.succeededFuture(text(500, e.toString()));
            }
            later.onComplete(ar -> carryOut(req, ar.succeeded() ? ar.result() : text(500, String.valueOf(ar.cause()))));
        } else if (outcome instanceof NoAnswer) {
            park(req);
        } else if (outcome instanceof HangUp) {
            req.connection().close();
        } else if (outcome instanceof CutShort) {
            response.setStatusCode(200).setChunked(true).putHeader("Content-Type", FHIR_JSON);
            response.write("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":")
                    .onComplete(ar -> req.connection().close());
        }
    }

    private void park(HttpServerRequest req) {
        Parked waiting = new Parked(req, Vertx.currentContext());
        boolean shuttingDown;
        synchronized (lock) {
            shuttingDown = closed;
            if (!shuttingDown) {
                parked.add(waiting);
            }
        }
        if (shuttingDown) {
            Future<Void> released = releaseAtShutdown(waiting);
            synchronized (lock) {
                lateReleases.add(released);
            }
            return;
        }
        req.response().closeHandler(v -> {
            synchronized (lock) {
                parked.remove(waiting);
            }
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
        requestCount++;
        if (recordRequests) {
            requests.add(recorded);
        }
        requestContexts.add(Vertx.currentContext());
        lock.notifyAll(); // wakes awaitRequest
        return recorded;
    }

    private Outcome route(RecordedRequest r) {
        if (stalledPaths.contains(r.path())) {
            return new NoAnswer();
        }
        switch (r.path()) {
            case WELL_KNOWN_PATH:
                return smartConfiguration();
            case METADATA_PATH:
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
                if (isUnderFhir(r.path()) && hangUpsLeft > 0) {
                    hangUpsLeft--;
                    return new HangUp();
                }
                if (isUnderFhir(r.path()) && fhirFault != FhirFault.NONE) {
                    return switch (fhirFault) {
                        case HANG_UP -> new HangUp();
                        case SLOW -> new NoAnswer();
                        case CLOSE_MID_BODY -> new CutShort();
                        case NONE -> throw new IllegalStateException();
                    };
                }
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
        if (discoveryMode == DiscoveryMode.METADATA_ONLY) {
            return json(404, new JsonObject().put("error", "not_found").put("path", WELL_KNOWN_PATH));
        }
        if (discoveryMode == DiscoveryMode.NOT_JSON) {
            return new Reply(200, Map.of("Content-Type", "text/html; charset=utf-8"), "<html>");
        }
        // Relative references are resolved against the FHIR base with a trailing slash: ../oauth is <base>/oauth.
        String oauth = discoveryMode == DiscoveryMode.RELATIVE_ENDPOINTS ? "../oauth" : baseUrl + "/oauth";
        JsonArray authMethods = array("none", "client_secret_basic", "private_key_jwt");
        if (clientAuth == ClientAuth.CLIENT_SECRET_POST) {
            authMethods.add("client_secret_post");
        }
        JsonObject config = new JsonObject()
                .put("issuer", issuer())
                .put("authorization_endpoint", oauth + "/authorize")
                .put("token_endpoint", oauth + "/token")
                .put("jwks_uri", oauth + "/jwks")
                .put("revocation_endpoint", oauth + "/revoke")
                .put("grant_types_supported", array("authorization_code", "refresh_token"))
                .put("code_challenge_methods_supported",
                        discoveryMode == DiscoveryMode.NO_S256 ? array("plain") : array("S256"))
                .put("response_types_supported", array("code"))
                .put("token_endpoint_auth_methods_supported", authMethods)
                .put("scopes_supported", array("openid", "fhirUser", "profile", "launch", "launch/patient",
                        "launch/encounter", "offline_access", "online_access", "patient/*.rs", "user/*.rs",
                        "patient/*.read", "user/*.read"))
                .put("capabilities", array("launch-ehr", "launch-standalone", "client-public",
                        "client-confidential-symmetric", "client-confidential-asymmetric",
                        "context-passthrough-banner", "context-passthrough-style", "context-ehr-patient",
                        "context-standalone-patient", "permission-offline", "permission-patient",
                        "permission-user", "permission-v1", "permission-v2", "sso-openid-connect"));
        if (clientAuth == ClientAuth.PRIVATE_KEY_JWT) {
            config.put("token_endpoint_auth_signing_alg_values_supported", array("RS384", "ES384"));
        }
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

        LaunchContext launch = null;
        if (params.containsKey("launch")) {
            launch = launches.get(params.get("launch"));
            if (launch == null) {
                return redirect(appendQuery(redirectUri, errorParams("invalid_request", "unknown launch", state)));
            }
        }

        if (denyNextAuthorization != null) {
            String error = denyNextAuthorization;
            denyNextAuthorization = null; // one-shot
            return redirect(appendQuery(redirectUri, errorParams(error, "The user denied", state)));
        }

        String code = randomToken();
        pendingCodes.put(code, new PendingCode(params.get("client_id"), redirectUri,
                params.get("code_challenge"), params.get("nonce"), params.get("scope"), launch));
        Map<String, String> success = new LinkedHashMap<>();
        success.put("code", code);
        success.put("state", state);
        return redirect(appendQuery(redirectUri, success));
    }

    private static Map<String, String> errorParams(String error, String description, String state) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("error", error);
        params.put("error_description", description);
        params.put("state", state);
        return params;
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
        if (!fhirBase().equals(aud) && !otherAudiences.contains(aud)) {
            return "aud must be the FHIR base URL " + fhirBase();
        }
        return null;
    }

    // ------------------------------------------------------------------ /oauth/token

    private Outcome token(RecordedRequest r) {
        tokenRequests++;
        if (tokenEndpointDown) {
            return new Reply(503, Map.of("Content-Type", "text/html; charset=utf-8", "Retry-After", "30"),
                    "<html><head><title>503 Service Unavailable</title></head>"
                            + "<body><h1>503 Service Unavailable</h1><p>upstream connect error</p></body></html>");
        }
        String contentType = r.header("content-type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return oauthError(400, "invalid_request", "token requests must be application/x-www-form-urlencoded");
        }
        Map<String, String> form = parseForm(r.body());
        String grantType = form.get("grant_type");
        if ("refresh_token".equals(grantType) && tokenFault != TokenFault.NONE
                && tokenFault != TokenFault.HOLD_AFTER_GRANT) {
            return switch (tokenFault) {
                case HANG_UP -> new HangUp();
                case SERVER_ERROR -> text(500, "internal server error");
                case GARBAGE -> new Reply(200, Map.of("Content-Type", "application/json"), "<html>not json");
                case HOLD_BEFORE_GRANT -> new NoAnswer();
                case NONE, HOLD_AFTER_GRANT -> throw new IllegalStateException();
            };
        }
        if (!"authorization_code".equals(grantType) && !"refresh_token".equals(grantType)) {
            return oauthError(400, "unsupported_grant_type", "grant_type " + grantType + " is not supported");
        }
        if (clientAuth != ClientAuth.PRIVATE_KEY_JWT) {
            return heldIfRefresh(grant(r, form, clientProblem(r, form)), form);
        }
        String formProblem = clientAssertionFormProblem(r, form);
        if (formProblem != null) {
            return grant(r, form, formProblem);
        }
        // The JWKS fetch must not hold the lock (nor block the event loop); the grant resumes under the lock.
        String assertion = form.get("client_assertion");
        String jwksUrl = clientJwksUrl;
        String audience = tokenEndpoint();
        return new Deferred(() -> assertionVerifier.verify(assertion, jwksUrl, CLIENT_ID, audience)
                .map(result -> {
                    synchronized (lock) {
                        return routeSafely(() -> grant(r, form, acceptAssertion(result)));
                    }
                }));
    }

    /** A successful refresh answer waits for the gate of {@link #holdRefreshAnswersUntil}, when one is set. */
    private Outcome heldIfRefresh(Outcome outcome, Map<String, String> form) {
        CompletionStage<?> gate = refreshAnswerGate;
        if (gate == null || !(outcome instanceof Reply reply) || reply.status() != 200 || !"refresh_token".equals(form.get("grant_type"))) {
            return outcome;
        }
        Context context = Vertx.currentContext();
        return new Deferred(() -> Future.fromCompletionStage(gate, context).map(ignored -> (Outcome) reply));
    }

    /**
     * Runs the grant. {@code clientProblem} is why client authentication failed, or null; it is only acted on
     * after the code or refresh token is recorded as presented, as a real server burns a code on first sight.
     */
    private Outcome grant(RecordedRequest r, Map<String, String> form, String clientProblem) {
        return "authorization_code".equals(form.get("grant_type"))
                ? authorizationCodeGrant(form, clientProblem)
                : refreshTokenGrant(form, clientProblem);
    }

    private Reply authorizationCodeGrant(Map<String, String> form, String clientProblem) {
        String code = form.get("code");
        // Remove before any other check: a code is burnt by its first presentation, successful or not.
        PendingCode pending = code == null ? null : pendingCodes.remove(code);
        if (clientProblem != null) {
            return invalidClient(clientProblem);
        }
        if (pending == null) {
            return oauthError(400, "invalid_grant", "authorization code is unknown or was already used");
        }
        if (!pending.clientId().equals(CLIENT_ID)) {
            return oauthError(400, "invalid_grant", "code was issued to another client");
        }
        if (!pending.redirectUri().equals(form.get("redirect_uri"))) {
            return oauthError(400, "invalid_grant", "redirect_uri does not match the authorization request");
        }
        if (!pkceMatches(form.get("code_verifier"), pending.codeChallenge())) {
            return oauthError(400, "invalid_grant", "code_verifier does not match code_challenge");
        }

        JsonObject body = issueTokens(pending.scope(), true,
                new IdTokenSpec(SUBJECT, true, omitNonce ? null : pending.nonce()));
        if (grantsMode) {
            grantsIssued++;
            attach(new Grant(pending.scope()), body);
        }
        LaunchContext context = pending.launch() != null
                ? pending.launch()
                : new LaunchContext(PATIENT_ID, DEFAULT_ENCOUNTER_ID);
        // SMART launch context, plus one member no spec defines, to prove clients tolerate extras.
        if (context.patientId() != null) {
            body.put("patient", context.patientId());
        }
        if (context.encounterId() != null) {
            body.put("encounter", context.encounterId());
        }
        body.put("need_patient_banner", true)
                .put("smart_style_url", baseUrl + "/style.json");
        if (fhirContextArray && context.encounterId() != null) {
            body.put("fhirContext", new JsonArray()
                    .add(new JsonObject().put("reference", "Encounter/" + context.encounterId())));
        }
        body.put("tenant", "t1")
                .put("x_vendor", new JsonObject().put("a", 1));
        return tokenResponse(tampered(body));
    }

    private Outcome refreshTokenGrant(Map<String, String> form, String clientProblem) {
        String presented = form.get("refresh_token");
        if (presented != null && recordRequests) {
            usedRefreshTokens.add(presented);
        }
        if (clientProblem != null) {
            return invalidClient(clientProblem);
        }
        if (grantsMode) {
            return refreshInGrant(presented);
        }
        if (presented == null || !(grantsPerLaunch ? liveGrants.containsKey(presented) : presented.equals(currentRefreshToken))) {
            return oauthError(400, "invalid_grant", "refresh token is not valid");
        }
        refreshGrants++;
        String grantScope = grantsPerLaunch ? liveGrants.get(presented) : currentRefreshScope;
        if (refreshTokensRotate) {
            // The presented token dies now, whatever happens next; issueTokens() makes its successor.
            currentRefreshToken = null;
            liveGrants.remove(presented);
        }
        IdTokenSpec idToken = switch (refreshIdTokenMode) {
            case WITHOUT_AUD_AND_NONCE -> new IdTokenSpec(SUBJECT, false, null);
            case OTHER_SUBJECT -> new IdTokenSpec(OTHER_SUBJECT, true, null);
            case NONE -> null;
        };
        Reply reply = tokenResponse(tampered(issueTokens(grantScope, refreshTokensRotate, idToken)));
        if (beforeRefreshAnswer != null) {
            beforeRefreshAnswer.run();
        }
        return reply;
    }

    /**
     * Grants mode, as Keycloak and many EHRs do: a refresh token is good for one use; presenting one that was already
     * used is taken as theft and revokes the whole grant (its live refresh token and every access token issued
     * under it).
     */
    private Outcome refreshInGrant(String presented) {
        Grant grant = presented == null ? null : grantsByRefreshToken.get(presented);
        if (grant == null || grant.revoked) {
            return oauthError(400, "invalid_grant", "refresh token is not valid");
        }
        if (!presented.equals(grant.liveRefreshToken)) {
            refreshTokenReplays++;
            revoke(grant);
            return oauthError(400, "invalid_grant", "refresh token was already used; the grant is revoked");
        }
        refreshGrants++;
        grant.liveRefreshToken = null;
        JsonObject body = issueTokens(grant.scope, true, new IdTokenSpec(SUBJECT, false, null));
        attach(grant, body);
        Reply reply = tokenResponse(body);
        // The new refresh token is the only live one now: a client that never gets this answer has lost the grant.
        return tokenFault == TokenFault.HOLD_AFTER_GRANT ? new NoAnswer() : reply;
    }

    /** Grants mode: the tokens of a token response now belong to this grant. */
    private void attach(Grant grant, JsonObject body) {
        grant.accessTokens.add(body.getString("access_token"));
        String refreshToken = body.getString("refresh_token");
        if (refreshToken != null) {
            grant.liveRefreshToken = refreshToken;
            grantsByRefreshToken.put(refreshToken, grant);
        }
        if (!recordRequests) {
            issuedAccessTokens.clear();
            issuedRefreshTokens.clear();
        }
    }

    private void revoke(Grant grant) {
        grant.revoked = true;
        grant.liveRefreshToken = null;
        grant.accessTokens.forEach(liveAccessTokens::remove);
        grant.accessTokens.clear();
    }

    /**
     * Mints an access token; a refresh token when {@code newRefreshToken} and the scope asks for offline/online
     * access (it then becomes the only valid one); and an id token when {@code idToken} is given and the scope
     * contains openid.
     */
    private JsonObject issueTokens(String scope, boolean newRefreshToken, IdTokenSpec idToken) {
        Set<String> scopes = scopeSet(scope);
        String accessToken = "at-" + randomToken();
        Duration lifetime = accessTokenLifetime;
        liveAccessTokens.put(accessToken, accessTokenClock.instant().plus(lifetime));
        issuedAccessTokens.add(accessToken);

        JsonObject body = new JsonObject()
                .put("access_token", accessToken)
                .put("token_type", "Bearer")
                .put("expires_in", lifetime.toSeconds());
        if (scope != null) {
            body.put("scope", scope);
        }
        if (newRefreshToken && (scopes.contains("offline_access") || scopes.contains("online_access"))) {
            String refreshToken = "rt-" + randomToken();
            issuedRefreshTokens.add(refreshToken);
            currentRefreshToken = refreshToken;
            currentRefreshScope = scope;
            liveGrants.put(refreshToken, scope);
            body.put("refresh_token", refreshToken);
        }
        if (idToken != null && scopes.contains("openid")) {
            body.put("id_token", idToken(idToken));
        }
        return body;
    }

    private String idToken(IdTokenSpec spec) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(idTokenIssuer != null ? idTokenIssuer : issuer());
        claims.setSubject(spec.subject());
        if (spec.withAudience()) {
            claims.setAudience(CLIENT_ID);
        }
        NumericDate now = NumericDate.now();
        claims.setIssuedAt(now);
        NumericDate expiry = NumericDate.fromSeconds(now.getValue() + ID_TOKEN_LIFETIME_SECONDS);
        claims.setExpirationTime(expiry);
        if (spec.nonce() != null) {
            claims.setClaim("nonce", spec.nonce());
        }
        claims.setClaim("fhirUser", fhirUserAbsolute ? fhirBase() + "/Practitioner/123" : "Practitioner/123");
        claims.setClaim("name", "Dr. Test Example");
        if (idTokenTamper != null) {
            idTokenTamper.accept(claims);
        }

        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signingKey.getPrivateKey());
        if (!idTokenWithoutKid) {
            jws.setKeyIdHeaderValue(signingKey.getKeyId());
        }
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign id token", e);
        }
    }

    private JsonObject tampered(JsonObject body) {
        if (tokenResponseTamper != null) {
            tokenResponseTamper.accept(body);
        }
        return body;
    }

    private static Reply tokenResponse(JsonObject body) {
        // RFC 6749 5.1: token responses must not be cached.
        return json(200, body).withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
    }

    private Reply invalidClient(String problem) {
        Reply reply = oauthError(401, "invalid_client", problem);
        // RFC 6749 5.2: a client that tried the Authorization header is told which scheme to use.
        return clientAuth == ClientAuth.CLIENT_SECRET_BASIC
                ? reply.withHeader("WWW-Authenticate", "Basic realm=\"fake-smart\"")
                : reply;
    }

    /** Why the client did not authenticate (modes other than PRIVATE_KEY_JWT), or null when it did. */
    private String clientProblem(RecordedRequest r, Map<String, String> form) {
        switch (clientAuth) {
            case NONE: {
                String client = presentedClientId(r, form);
                return CLIENT_ID.equals(client) ? null : "unknown client " + client;
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
                return CLIENT_ID.equals(credentials[0]) && secretMatches(credentials[1])
                        ? null : "client_secret_basic: wrong client id or secret";
            }
            case CLIENT_SECRET_POST: {
                if (r.header("authorization") != null || form.containsKey("client_assertion")) {
                    return "client_secret_post: use exactly one authentication method (no Authorization header)";
                }
                return CLIENT_ID.equals(form.get("client_id")) && secretMatches(form.get("client_secret"))
                        ? null : "client_secret_post: client_id and client_secret in the body are wrong or missing";
            }
            default:
                throw new IllegalStateException("not a form-checked mode: " + clientAuth);
        }
    }

    /** The checks of a private_key_jwt request that need no JWKS; null when they pass. */
    private static String clientAssertionFormProblem(RecordedRequest r, Map<String, String> form) {
        if (!ClientAssertionVerifier.ASSERTION_TYPE.equals(form.get("client_assertion_type"))) {
            return "private_key_jwt: client_assertion_type must be " + ClientAssertionVerifier.ASSERTION_TYPE;
        }
        if (isBlank(form.get("client_assertion"))) {
            return "private_key_jwt: client_assertion is required";
        }
        if (r.header("authorization") != null || form.containsKey("client_secret")) {
            return "private_key_jwt: use exactly one authentication method";
        }
        if (form.containsKey("client_id") && !CLIENT_ID.equals(form.get("client_id"))) {
            return "private_key_jwt: client_id does not match the assertion";
        }
        return null;
    }

    /** Adds the server-state check (a fresh jti) to a verification result; null when the client is in. */
    private String acceptAssertion(ClientAssertionVerifier.Result result) {
        if (!result.ok()) {
            return result.problem();
        }
        String jti = (String) result.verified().get("jti");
        if (!seenAssertionIds.add(jti)) {
            return "client assertion jti " + jti + " was already used (replay)";
        }
        verifiedClientAssertions.add(result.verified());
        return null;
    }

    private boolean secretMatches(String presented) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                clientSecret.getBytes(StandardCharsets.UTF_8));
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
                    URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
        } catch (IllegalArgumentException e) {
            return null; // not base64, or a raw '%' that is not an escape: the client did not urlencode
        }
    }

    /**
     * The client id as presented by a public client (form), a client_secret_basic client (Basic
     * username) or a private_key_jwt client (assertion issuer; the signature is not checked here).
     * Only the lenient {@link ClientAuth#NONE} mode uses this.
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
            Grant grant = grantsByRefreshToken.get(token);
            if (grant != null && token.equals(grant.liveRefreshToken)) {
                revoke(grant);
            }
            if (token.equals(currentRefreshToken)) {
                currentRefreshToken = null;
            }
            liveGrants.remove(token);
        }
        // RFC 7009 2.2: 200 even for unknown tokens.
        return new Reply(200, Map.of("Cache-Control", "no-store"), "");
    }

    // ------------------------------------------------------------------ FHIR data

    private Outcome fhirResource(RecordedRequest r) {
        if (!hasValidBearer(r)) {
            return operationOutcome(401, "login", "a valid bearer access token is required")
                    .withHeader("WWW-Authenticate", "Bearer");
        }
        String path = r.path();
        String method = r.method();
        if (path.startsWith(ECHO_PREFIX)) {
            return echo(r);
        }
        // The same behaviours on any FHIR-shaped path, chosen by a query parameter, so tests can reach them through a
        // proxy that only forwards FHIR requests its scopes allow (e.g. GET Observation?_fake=slow).
        String fake = queryParam(r.query(), "_fake");
        if (fake != null) {
            switch (fake) {
                case "echo":
                    return echo(r);
                case "big":
                    return bigBundle(r);
                case "slow":
                    return new NoAnswer();
                case "redirect":
                    return redirect(REDIRECT_TARGET);
                case "redirect-inside":
                    return redirect(fhirBase() + "/Observation?page=2");
                default:
                    break;
            }
        }
        switch (path) {
            case "/fhir/big":
                return bigBundle(r);
            case "/fhir/slow":
                return new NoAnswer();
            case "/fhir/redirect":
                return redirect(REDIRECT_TARGET);
            default:
                break;
        }
        if ("POST".equals(method) && path.equals("/fhir/Patient")) {
            return createPatient(r);
        }
        if (path.startsWith("/fhir/Patient/")) {
            return patientInstance(r, path.substring("/fhir/Patient/".length()));
        }
        Map<String, String> query = parseForm(r.query());
        if ("GET".equals(method) && path.equals("/fhir/Observation")) {
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
        String token = r.bearerToken();
        Instant expiry = token == null ? null : liveAccessTokens.get(token);
        return expiry != null && accessTokenClock.instant().isBefore(expiry);
    }

    /** Read, update and delete of the one known patient. Writes are answered, not stored. */
    private Reply patientInstance(RecordedRequest r, String id) {
        if (!PATIENT_ID.equals(id)) {
            return operationOutcome(404, "not-found", "Patient/" + id + " is not known");
        }
        switch (r.method()) {
            case "GET":
                return new Reply(200, Map.of("Content-Type", FHIR_JSON, "ETag", "W/\"1\""), patientJson);
            case "PUT": {
                JsonObject patient = patientBody(r);
                if (patient == null) {
                    return operationOutcome(400, "invalid", "the body must be a JSON Patient resource");
                }
                if (!id.equals(patient.getString("id"))) {
                    return operationOutcome(400, "invalid", "the resource id must match the URL");
                }
                patient.put("meta", new JsonObject().put("versionId", "2"));
                return patientReply(200, patient, "2");
            }
            case "DELETE":
                return new Reply(204, Map.of(), "");
            default:
                return operationOutcome(404, "not-found", r.method() + " " + r.path() + " is not supported");
        }
    }

    private Reply createPatient(RecordedRequest r) {
        JsonObject patient = patientBody(r);
        if (patient == null) {
            return operationOutcome(400, "invalid", "the body must be a JSON Patient resource");
        }
        patient.put("id", "new-" + randomToken().substring(0, 12).toLowerCase(Locale.ROOT).replace('_', '-'))
                .put("meta", new JsonObject().put("versionId", "1"));
        return patientReply(201, patient, "1");
    }

    private Reply patientReply(int status, JsonObject patient, String version) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", FHIR_JSON);
        headers.put("ETag", "W/\"" + version + "\"");
        headers.put("Location", fhirBase() + "/Patient/" + patient.getString("id") + "/_history/" + version);
        return new Reply(status, headers, patient.encode());
    }

    /** The request body as a Patient, or null when it is not JSON (by Content-Type and syntax) or not a Patient. */
    private static JsonObject patientBody(RecordedRequest r) {
        String contentType = r.header("content-type");
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (!type.startsWith(FHIR_JSON) && !type.startsWith(JSON)) {
            return null;
        }
        try {
            JsonObject resource = new JsonObject(r.body());
            return "Patient".equals(resource.getString("resourceType")) ? resource : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Mirrors the request back, so proxy tests see exactly what arrived upstream. */
    private static Reply echo(RecordedRequest r) {
        JsonObject headers = new JsonObject();
        r.headers().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        JsonObject body = new JsonObject()
                .put("method", r.method())
                .put("path", r.path())
                .put("query", r.query())
                .put("headers", headers)
                .put("body", r.body());
        return json(200, body);
    }

    private Outcome bigBundle(RecordedRequest r) {
        String mb = parseForm(r.query()).get("mb");
        int mebibytes;
        try {
            mebibytes = Integer.parseInt(mb == null ? "" : mb);
        } catch (NumberFormatException e) {
            mebibytes = -1;
        }
        if (mebibytes < 1 || mebibytes > MAX_BIG_MEBIBYTES) {
            return operationOutcome(400, "invalid", "mb must be a whole number from 1 to " + MAX_BIG_MEBIBYTES);
        }
        return new BigBundle(Map.of("Content-Type", FHIR_JSON), mebibytes);
    }

    /** The proxy under test must strip this; see the tests that check cookies. */
    private static Outcome withUpstreamCookie(Outcome outcome) {
        if (outcome instanceof Reply reply) {
            return reply.withHeader("Set-Cookie", "upstream=1");
        }
        if (outcome instanceof BigBundle big) {
            Map<String, String> headers = new LinkedHashMap<>(big.headers());
            headers.put("Set-Cookie", "upstream=1");
            return new BigBundle(headers, big.mebibytes());
        }
        return outcome;
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
        return new JsonArray(new ArrayList<>(Arrays.asList((Object[]) values)));
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

    /** The first value of a query parameter, decoded; null when absent. */
    private static String queryParam(String query, String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        for (String item : query.split("&")) {
            int eq = item.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? item : item.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(item.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
