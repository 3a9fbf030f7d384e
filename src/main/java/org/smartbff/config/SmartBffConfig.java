package org.smartbff.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every setting of smart-bff, under the prefix {@code smart-bff}. The names of this tree are a contract relied on
 * outside the code (Helm values, Kubernetes ConfigMaps, operators' runbooks): add, never rename.
 */
@ConfigMapping(prefix = "smart-bff")
public interface SmartBffConfig {

    /**
     * The BFF's external base URL as the browser sees it, without a trailing slash, e.g.
     * {@code https://app.hospital.example}. The OAuth redirect URI is {@code {public-url}/auth/callback}; it must be
     * registered with every authorization server.
     */
    @WithName("public-url")
    String publicUrl();

    /** Where the browser goes after a successful login, a local path. Defaults to {@code /}. */
    @WithName("app-url")
    @WithDefault("/")
    String appUrl();

    /** The name of the server (a key of {@code servers}) used by {@code /auth/login} when none is named. */
    @WithName("default-server")
    String defaultServer();

    /** The SMART servers this BFF may launch against, by a name of the operator's choosing. */
    Map<String, Server> servers();

    /**
     * A JWK Set file holding the private keys (RS384 and/or ES384) with which smart-bff signs {@code private_key_jwt}
     * client assertions; {@code /.well-known/jwks.json} publishes their public halves. Mount it from a Kubernetes
     * Secret. Several keys may be listed to rotate: for each algorithm the LAST key of that type in the file signs, the
     * others are still published so assertions signed before a rotation keep verifying.
     */
    @WithName("jwks-file")
    Optional<String> jwksFile();

    /** Session lifetime and the encryption of what is kept in Redis. */
    Session session();

    /** Access-token refresh. */
    Token token();

    /** Outbound HTTP to SMART and FHIR servers. */
    Http http();

    /** The {@code /fhir} proxy. */
    Proxy proxy();

    /**
     * What {@code ./mvnw quarkus:dev} starts (the dev services in {@code src/test/java/org/smartbff/dev} read these;
     * they are declared here so that they are checked and can be given as {@code -D} options). A packaged application
     * ignores them.
     */
    Dev dev();

    interface Proxy {
        /** The largest request body forwarded; larger ones get 413. Defaults to {@code 16M}. */
        @WithName("max-request-body")
        @WithDefault("16M")
        MemorySize maxRequestBody();

        /**
         * The most request-body bytes held whole by all calls together (bodies the scope guard reads, small bodies kept
         * to replay after a 401); a call that would pass it gets 503 with Retry-After. It bounds the heap that
         * browsers can fill at once. At least {@code max-request-body}. Defaults to {@code 32M}.
         */
        @WithName("held-bodies")
        @WithDefault("32M")
        MemorySize heldBodies();

        /**
         * Request bodies up to this size are kept while forwarded, so a call the FHIR server rejects with 401 can be sent
         * again after a refresh; larger bodies are streamed and not retried. Defaults to {@code 64K}.
         */
        @WithName("replay-buffer")
        @WithDefault("64K")
        MemorySize replayBuffer();

        /**
         * Rewrite the FHIR server's absolute URLs (Bundle links, fullUrl, references, Location) in JSON responses to the
         * BFF's {@code /fhir}, so paging works through the proxy. Defaults to {@code true}.
         */
        @WithName("rewrite-urls")
        @WithDefault("true")
        boolean rewriteUrls();

        /**
         * Refuse, before forwarding, calls that no granted scope allows (SMART v1 and v2). Defaults to {@code true}.
         */
        @WithName("enforce-scopes")
        @WithDefault("true")
        boolean enforceScopes();

        /**
         * For sessions whose data scopes are all {@code patient/}: keep reads of Patient and searches within the launch
         * patient. Defaults to {@code true}.
         */
        @WithName("patient-compartment-check")
        @WithDefault("true")
        boolean patientCompartmentCheck();
    }

    /** One SMART on FHIR server (an EHR's FHIR endpoint and its authorization server). */
    interface Server {
        /**
         * The FHIR base URL, which SMART calls {@code iss}, e.g. {@code https://ehr.example/fhir/r4}. Discovery reads
         * {@code {fhir-base-url}/.well-known/smart-configuration}; proxied calls go below it.
         */
        @WithName("fhir-base-url")
        String fhirBaseUrl();

        /** The client id registered for this BFF at the server's authorization server. */
        @WithName("client-id")
        String clientId();

        /**
         * The scopes requested by a standalone launch, space-separated. Configured per server because some servers fail
         * the whole authorization when one requested scope is unknown to them. Defaults to
         * {@code openid fhirUser launch/patient patient/*.rs offline_access}.
         */
        @WithDefault("openid fhirUser launch/patient patient/*.rs offline_access")
        String scope();

        /**
         * The scopes requested by an EHR launch ({@code /auth/launch}), space-separated; {@code launch} is added when
         * missing. Defaults to {@code launch openid fhirUser patient/*.rs user/*.rs online_access}.
         */
        @WithName("ehr-scope")
        @WithDefault("launch openid fhirUser patient/*.rs user/*.rs online_access")
        String ehrScope();

        /**
         * How the BFF authenticates at the token endpoint: {@code none} (a public client; PKCE only),
         * {@code client_secret_basic}, {@code client_secret_post} or {@code private_key_jwt}. Used for the code exchange
         * and every refresh. Defaults to {@code none}.
         */
        @WithName("client-auth")
        @WithDefault("none")
        ClientAuth clientAuth();

        /** The client secret for {@code client_secret_basic} and {@code client_secret_post}; map it from a Secret. */
        @WithName("client-secret")
        Optional<String> clientSecret();

        /**
         * The algorithm of {@code private_key_jwt} client assertions: {@code RS384} or {@code ES384}, the two SMART
         * requires servers to support. A key of that type must be in {@code smart-bff.jwks-file}. Defaults to
         * {@code RS384}.
         */
        @WithName("client-assertion-algorithm")
        @WithDefault("RS384")
        String clientAssertionAlgorithm();

        /**
         * The origins of this server's EHR that may show the app in a frame (an iframe of the EHR's own page), e.g.
         * {@code https://ehr.hospital.example}, comma-separated; they make the {@code Content-Security-Policy:
         * frame-ancestors} of every page and of this server's {@code /auth/launch}. None by default: no site may frame
         * the app.
         */
        @WithName("frame-ancestors")
        Optional<List<String>> frameAncestors();

        /**
         * Explicit endpoints for servers whose discovery is broken. When both {@code authorization-endpoint} and
         * {@code token-endpoint} are set, discovery is skipped for this server.
         */
        Endpoints endpoints();
    }

    /** Endpoints given by configuration instead of discovery. */
    interface Endpoints {
        /** The authorization endpoint URL. */
        Optional<String> authorization();

        /** The token endpoint URL. */
        Optional<String> token();

        /** The revocation endpoint URL (RFC 7009), if any. */
        Optional<String> revocation();

        /** The JWK Set URL of the authorization server, to verify id tokens. */
        Optional<String> jwks();

        /** The authorization server's issuer, checked against the {@code iss} of id tokens. */
        Optional<String> issuer();
    }

    /** See {@link Session#cookieMode()}. */
    enum CookieMode {
        lax,
        embedded
    }

    /** Client authentication at the token endpoint. */
    enum ClientAuth {
        none,
        client_secret_basic,
        client_secret_post,
        private_key_jwt
    }

    interface Session {
        /**
         * A session unused for this long ends. Defaults to {@code 30M}. Never extends a session past
         * {@code absolute-timeout}.
         */
        @WithName("idle-timeout")
        @WithDefault("30M")
        Duration idleTimeout();

        /** The longest a session may live, whatever its use. Defaults to {@code 12H}. */
        @WithName("absolute-timeout")
        @WithDefault("12H")
        Duration absoluteTimeout();

        /**
         * How long a replica may serve a session it has opened without reading Redis again. Changes (refresh, logout)
         * made on any replica reach every replica at once through a Redis channel, and nothing is served from memory
         * while that channel is not known to work; this bound covers only what the channel cannot announce (a record
         * changed in Redis without smart-bff: edited, evicted, expired early). {@code 0} reads Redis on every call.
         * Defaults to {@code 5S}.
         */
        @WithName("cache-ttl")
        @WithDefault("5S")
        Duration cacheTtl();

        /**
         * How often each replica sends a heartbeat through the session change channel; a replica whose heartbeats do
         * not come back for three heartbeats stops serving sessions from memory and subscribes again. Defaults to
         * {@code 1S}.
         */
        @WithName("cache-heartbeat")
        @WithDefault("1S")
        Duration cacheHeartbeat();

        /**
         * The most sessions a replica keeps opened in memory; one past it is read from Redis again. An opened session
         * takes ~4 KB of heap with small tokens and several times that with large ones, and the image's old generation
         * is 48 MiB (src/main/docker/Dockerfile.jvm). Defaults to {@code 4000}.
         */
        @WithName("cache-size")
        @WithDefault("4000")
        int cacheSize();

        /**
         * The most launches one browser session holds at once (tabs with different patients); a launch past this ends
         * the oldest one, whose tokens are revoked. Defaults to {@code 10}.
         */
        @WithName("max-launches")
        @WithDefault("10")
        int maxLaunches();

        /**
         * The cookies' cross-site mode. {@code lax} (the default): {@code SameSite=Lax}, the cookies go with nothing a
         * cross-site page starts, and the app cannot run inside another site's frame. {@code embedded}: {@code
         * SameSite=None; Secure; Partitioned} (CHIPS), for an app the EHR shows in an iframe of its own site; the
         * browser keeps a separate cookie jar per top-level site, so the EHR's frame does not share the app's cookies
         * with any other site. Needs {@code frame-ancestors} on at least one server.
         */
        @WithName("cookie-mode")
        @WithDefault("lax")
        CookieMode cookieMode();

        /** How long a started launch may take to come back to {@code /auth/callback}. Defaults to {@code 10M}. */
        @WithName("launch-timeout")
        @WithDefault("10M")
        Duration launchTimeout();

        /**
         * The AES-256 key that encrypts session and launch records in Redis: 32 bytes, base64. Required in
         * production; map it from a Kubernetes Secret (env {@code SMART_BFF_SESSION_ENCRYPTION_KEY}).
         */
        @WithName("encryption-key")
        Optional<String> encryptionKey();

        /**
         * Earlier keys, comma-separated base64, still accepted for reading while records written with them expire.
         * This is how the key rotates: move the current key here and set a new {@code encryption-key}.
         */
        @WithName("previous-encryption-keys")
        Optional<List<String>> previousEncryptionKeys();

        /**
         * Whether a missing {@code encryption-key} may be replaced by a random one made at startup (sessions then do not
         * survive a restart and cannot be shared between replicas). Defaults to {@code false}; the dev and test
         * profiles turn it on.
         */
        @WithName("allow-generated-key")
        @WithDefault("false")
        boolean allowGeneratedKey();
    }

    interface Token {
        /**
         * The longest margin before its expiry at which an access token is refreshed, so that it does not expire in
         * flight. The rule is the token's own lifetime: it is refreshed once less than a fifth of it is left, and never
         * earlier than this margin (a 60 s token 12 s before it expires, a one-hour token 60 s before). Defaults to
         * {@code 60S}.
         */
        @WithName("refresh-skew")
        @WithDefault("60S")
        Duration refreshSkew();

        /**
         * How long one replica may hold a session's refresh lock (and how long others wait for its result before
         * answering 503). Longer than a token request can take. Defaults to {@code 10S}.
         */
        @WithName("lock-timeout")
        @WithDefault("10S")
        Duration lockTimeout();
    }

    interface Http {
        /** Connect timeout for discovery, token and FHIR requests. Defaults to {@code 5S}. */
        @WithName("connect-timeout")
        @WithDefault("5S")
        Duration connectTimeout();

        /**
         * How long a SMART server may take to answer a discovery, JWKS, token or revocation request, as a whole. A launch
         * whose call takes longer answers 504; a refresh that takes longer keeps the session and the proxied call gets
         * 503 with {@code Retry-After}. Defaults to {@code 10S}.
         */
        @WithName("server-timeout")
        @WithDefault("10S")
        Duration serverTimeout();

        /** How long a FHIR server may take to start answering a proxied call. Defaults to {@code 60S}. */
        @WithName("upstream-timeout")
        @WithDefault("60S")
        Duration upstreamTimeout();

        /** How long discovery documents are cached per server. Defaults to {@code 1H}. */
        @WithName("discovery-cache-ttl")
        @WithDefault("1H")
        Duration discoveryCacheTtl();

        /**
         * How long a failed discovery is remembered before it is tried again, so a broken server is not asked on every
         * click. Defaults to {@code 10S}.
         */
        @WithName("discovery-failure-ttl")
        @WithDefault("10S")
        Duration discoveryFailureTtl();
    }

    interface Dev {
        /**
         * The port of the Redis that dev mode starts when {@code quarkus.redis.hosts} is not set. Defaults to {@code 16379}.
         */
        @WithName("redis-port")
        @WithDefault("16379")
        int redisPort();

        /** The default server of dev mode. Defaults to {@code public}. */
        @WithDefault("public")
        Sandbox sandbox();

        enum Sandbox {
            /** The public SMART sandbox, {@code https://launch.smarthealthit.org} (needs the internet). */
            PUBLIC,
            /** A SMART sandbox started in the dev JVM, with one synthetic patient: dev mode works offline. */
            LOCAL
        }
    }
}
