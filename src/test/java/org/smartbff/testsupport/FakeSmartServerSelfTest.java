package org.smartbff.testsupport;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves the fake behaves like the SMART server the integration tests rely on, knob by knob. */
class FakeSmartServerSelfTest {

    private static final String REDIRECT_URI = "http://localhost:8081/callback";
    private static final String SCOPE = "openid fhirUser launch/patient offline_access patient/*.rs";
    private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final SecureRandom RANDOM = new SecureRandom();

    private static FakeSmartServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        server = FakeSmartServer.start();
        http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void resetServer() {
        server.reset();
    }

    // ================================================================== default behaviour

    @Test
    void discoveryAndMetadataDescribeTheServer() throws Exception {
        HttpResponse<String> discovery = get(wellKnownUrl(), null);
        assertEquals(200, discovery.statusCode());
        assertTrue(discovery.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
        JsonObject config = new JsonObject(discovery.body());
        assertEquals(server.issuer(), config.getString("issuer"));
        assertNotEquals(server.fhirBase(), server.issuer());
        assertEquals(server.baseUrl() + "/oauth/authorize", config.getString("authorization_endpoint"));
        assertEquals(server.baseUrl() + "/oauth/token", config.getString("token_endpoint"));
        assertEquals(server.tokenEndpoint(), config.getString("token_endpoint"));
        assertEquals(server.baseUrl() + "/oauth/jwks", config.getString("jwks_uri"));
        assertEquals(server.baseUrl() + "/oauth/revoke", config.getString("revocation_endpoint"));
        assertTrue(config.getJsonArray("code_challenge_methods_supported").contains("S256"));
        assertTrue(config.getJsonArray("capabilities").contains("permission-v2"));

        HttpResponse<String> metadata = get(server.fhirBase() + "/metadata", null);
        assertEquals(200, metadata.statusCode());
        assertEquals(3, oauthUris(metadata).size());

        JsonObject jwk = new JsonObject(get(server.baseUrl() + "/oauth/jwks", null).body())
                .getJsonArray("keys").getJsonObject(0);
        assertEquals("RSA", jwk.getString("kty"));
        assertEquals("sig", jwk.getString("use"));
        assertEquals("RS256", jwk.getString("alg"));
        assertNotNull(jwk.getString("kid"));
        assertNull(jwk.getString("d"), "private key material must not be published");

        assertEquals(3, server.requests().size());
        assertEquals(2, server.fhirRequests().size());
        assertEquals(1, server.discoveryRequests());
        assertEquals(1, server.metadataRequests());
    }

    @Test
    void codeExchangeIssuesTokensAndAVerifiableIdToken() throws Exception {
        String verifier = randomVerifier();
        Map<String, String> callback = authorize(verifier, "nonce-42");
        assertEquals("st-1", callback.get("state"));
        assertEquals("nonce-42", server.lastAuthorizeParams().get("nonce"));

        HttpResponse<String> response = exchange(callback.get("code"), verifier);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("no-store", response.headers().firstValue("cache-control").orElseThrow());
        JsonObject tokens = new JsonObject(response.body());
        assertTrue(tokens.getString("access_token").startsWith("at-"));
        assertTrue(tokens.getString("refresh_token").startsWith("rt-"));
        assertEquals("Bearer", tokens.getString("token_type"));
        assertEquals(3600, tokens.getInteger("expires_in"));
        assertEquals(SCOPE, tokens.getString("scope"));
        assertEquals(server.patientId(), tokens.getString("patient"));
        assertEquals("enc-1", tokens.getString("encounter"));
        assertEquals("Encounter/enc-1", tokens.getJsonArray("fhirContext").getJsonObject(0).getString("reference"));
        assertEquals(1, tokens.getJsonObject("x_vendor").getInteger("a"));
        assertTrue(server.issuedAccessTokens().contains(tokens.getString("access_token")));
        assertEquals(tokens.getString("refresh_token"), server.currentRefreshToken());
        assertEquals(1, server.tokenRequests());

        String idToken = tokens.getString("id_token");
        JwtClaims claims = verifyIdToken(idToken);
        assertEquals("nonce-42", claims.getStringClaimValue("nonce"));
        assertEquals("practitioner-123", claims.getSubject());
        assertEquals("Practitioner/123", claims.getStringClaimValue("fhirUser"));
        assertNotNull(jwtPart(idToken, 0).getString("kid"));

        // Codes are single use.
        HttpResponse<String> again = exchange(callback.get("code"), verifier);
        assertEquals(400, again.statusCode());
        assertEquals("invalid_grant", new JsonObject(again.body()).getString("error"));
    }

    @Test
    void wrongVerifierIsRejectedAndBurnsTheCode() throws Exception {
        String verifier = randomVerifier();
        String code = authorize(verifier, null).get("code");

        HttpResponse<String> wrong = exchange(code, randomVerifier());
        assertEquals(400, wrong.statusCode());
        assertEquals("invalid_grant", new JsonObject(wrong.body()).getString("error"));

        HttpResponse<String> right = exchange(code, verifier);
        assertEquals(400, right.statusCode());
        assertEquals("invalid_grant", new JsonObject(right.body()).getString("error"));
    }

    @Test
    void refreshTokensRotate() throws Exception {
        String verifier = randomVerifier();
        JsonObject first = new JsonObject(exchange(authorize(verifier, "n1").get("code"), verifier).body());
        String firstRefresh = first.getString("refresh_token");

        HttpResponse<String> refreshed = refresh(firstRefresh);
        assertEquals(200, refreshed.statusCode(), refreshed.body());
        JsonObject second = new JsonObject(refreshed.body());
        String secondRefresh = second.getString("refresh_token");
        assertNotEquals(firstRefresh, secondRefresh);
        assertNotEquals(first.getString("access_token"), second.getString("access_token"));
        assertEquals(SCOPE, second.getString("scope"));
        assertEquals(secondRefresh, server.currentRefreshToken());

        HttpResponse<String> replay = refresh(firstRefresh);
        assertEquals(400, replay.statusCode());
        assertEquals("invalid_grant", new JsonObject(replay.body()).getString("error"));

        assertEquals(1, server.refreshGrants());
        assertEquals(List.of(firstRefresh, firstRefresh), server.usedRefreshTokens());
        assertEquals(3, server.tokenRequests());
        // The first access token still works after rotation.
        assertEquals(200, get(patientUrl(), first.getString("access_token")).statusCode());
    }

    @Test
    void fhirNeedsAValidBearerToken() throws Exception {
        HttpResponse<String> anonymous = get(patientUrl(), null);
        assertEquals(401, anonymous.statusCode());
        assertEquals("Bearer", anonymous.headers().firstValue("www-authenticate").orElseThrow());
        assertEquals("OperationOutcome", new JsonObject(anonymous.body()).getString("resourceType"));

        String verifier = randomVerifier();
        String accessToken = new JsonObject(exchange(authorize(verifier, null).get("code"), verifier).body())
                .getString("access_token");
        HttpResponse<String> patient = get(patientUrl(), accessToken);
        assertEquals(200, patient.statusCode());
        assertEquals(server.patientId(), new JsonObject(patient.body()).getString("id"));
        assertEquals("W/\"1\"", patient.headers().firstValue("etag").orElseThrow());
        assertEquals("upstream=1", patient.headers().firstValue("set-cookie").orElseThrow());

        HttpResponse<String> bundle = get(server.fhirBase() + "/Observation?patient=" + server.patientId(), accessToken);
        assertEquals(200, bundle.statusCode());
        assertTrue(bundle.body().contains(server.fhirBase() + "/Observation/"));
        assertFalse(bundle.body().contains("http://127.0.0.1:8088/fhir"));

        assertEquals(404, get(server.fhirBase() + "/Patient/other", accessToken).statusCode());

        HttpResponse<String> revoked = post(server.baseUrl() + "/oauth/revoke", Map.of("token", accessToken));
        assertEquals(200, revoked.statusCode());
        assertEquals(401, get(patientUrl(), accessToken).statusCode());

        // Zero lifetime: the token is expired as soon as it is issued.
        server.accessTokenLifetime(Duration.ZERO);
        String shortLived = new JsonObject(exchange(authorize(verifier, null).get("code"), verifier).body())
                .getString("access_token");
        assertEquals(401, get(patientUrl(), shortLived).statusCode());
        assertEquals("Bearer " + shortLived,
                server.fhirRequests().get(server.fhirRequests().size() - 1).header("Authorization"));
    }

    @Test
    void searchesFilterSortAndPageThroughGetpagesLinks() throws Exception {
        String verifier = randomVerifier();
        String accessToken = new JsonObject(exchange(authorize(verifier, null).get("code"), verifier).body())
                .getString("access_token");
        JsonObject first = new JsonObject(get(server.fhirBase() + "/Observation?patient=" + server.patientId()
                + "&category=vital-signs&_sort=-date&_count=10", accessToken).body());
        assertEquals("searchset", first.getString("type"));
        assertEquals(10, first.getJsonArray("entry").size());
        String firstDate = first.getJsonArray("entry").getJsonObject(0).getJsonObject("resource")
                .getString("effectiveDateTime");
        String lastDate = first.getJsonArray("entry").getJsonObject(9).getJsonObject("resource")
                .getString("effectiveDateTime");
        assertTrue(firstDate.compareTo(lastDate) >= 0, "newest first: " + firstDate + " then " + lastDate);
        for (Object entry : first.getJsonArray("entry")) {
            assertTrue(((JsonObject) entry).encode().contains("\"code\":\"vital-signs\""), "only vital signs");
        }
        String next = nextLink(first);
        assertTrue(next.startsWith(server.fhirBase() + "?_getpages="), next);

        JsonObject second = new JsonObject(get(next, accessToken).body());
        assertEquals(first.getInteger("total"), second.getInteger("total"));
        assertEquals(Math.min(10, first.getInteger("total") - 10), second.getJsonArray("entry").size());
        assertNotEquals(first.getJsonArray("entry").getJsonObject(0).getString("fullUrl"),
                second.getJsonArray("entry").getJsonObject(0).getString("fullUrl"));

        JsonObject conditions = new JsonObject(get(server.fhirBase() + "/Condition?patient=" + server.patientId(),
                accessToken).body());
        assertEquals("Condition", conditions.getJsonArray("entry").getJsonObject(0).getJsonObject("resource")
                .getString("resourceType"));
        assertEquals(0, new JsonObject(get(server.fhirBase() + "/MedicationRequest?patient=someone-else",
                accessToken).body()).getInteger("total"));
    }

    private static String nextLink(JsonObject bundle) {
        for (Object link : bundle.getJsonArray("link")) {
            if ("next".equals(((JsonObject) link).getString("relation"))) {
                return ((JsonObject) link).getString("url");
            }
        }
        throw new AssertionError("no next link in " + bundle.getJsonArray("link"));
    }

    @Test
    void authorizeValidatesAndCanDeny() throws Exception {
        HttpResponse<String> badAud = get(authorizeUrl("x", "http://elsewhere/fhir", null, Map.of()), null);
        assertEquals(400, badAud.statusCode());
        assertEquals("invalid_request", new JsonObject(badAud.body()).getString("error"));

        server.denyNextAuthorization("access_denied");
        HttpResponse<String> denied = get(authorizeUrl("x", server.fhirBase() + "/", null, Map.of()), null);
        assertEquals(302, denied.statusCode());
        String location = denied.headers().firstValue("location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT_URI + "?error=access_denied&error_description=The+user+denied"),
                location);
        assertNull(query(location).get("code"));
        assertEquals("st-1", query(location).get("state"));

        // The knob is one-shot.
        assertNotNull(authorize(randomVerifier(), null).get("code"));
    }

    // ================================================================== 1. discovery modes and counters

    @Test
    void metadataOnlyHidesTheWellKnownDocument() throws Exception {
        server.discoveryMode(FakeSmartServer.DiscoveryMode.METADATA_ONLY);

        assertEquals(404, get(wellKnownUrl(), null).statusCode());
        HttpResponse<String> metadata = get(server.fhirBase() + "/metadata", null);
        assertEquals(200, metadata.statusCode());
        Map<String, String> uris = new LinkedHashMap<>();
        oauthUris(metadata).forEach(e -> uris.put(((JsonObject) e).getString("url"),
                ((JsonObject) e).getString("valueUri")));
        assertEquals(Map.of("authorize", server.baseUrl() + "/oauth/authorize",
                "token", server.tokenEndpoint(),
                "revoke", server.baseUrl() + "/oauth/revoke"), uris);

        assertEquals(1, server.discoveryRequests());
        assertEquals(1, server.metadataRequests());
    }

    @Test
    void relativeEndpointsResolveAgainstTheFhirBaseWithATrailingSlash() throws Exception {
        server.discoveryMode(FakeSmartServer.DiscoveryMode.RELATIVE_ENDPOINTS);

        JsonObject config = new JsonObject(get(wellKnownUrl(), null).body());
        assertEquals("../oauth/token", config.getString("token_endpoint"));
        assertEquals(server.issuer(), config.getString("issuer"), "the issuer stays absolute");
        URI base = URI.create(server.fhirBase() + "/");
        assertEquals(server.tokenEndpoint(), base.resolve(config.getString("token_endpoint")).toString());
        assertEquals(server.baseUrl() + "/oauth/authorize",
                base.resolve(config.getString("authorization_endpoint")).toString());
        assertEquals(server.baseUrl() + "/oauth/jwks", base.resolve(config.getString("jwks_uri")).toString());
        assertEquals(server.baseUrl() + "/oauth/revoke",
                base.resolve(config.getString("revocation_endpoint")).toString());
        // The trap: resolving against the document's own URL lands under /fhir, where there is no token endpoint.
        assertEquals(server.fhirBase() + "/oauth/token",
                URI.create(wellKnownUrl()).resolve(config.getString("token_endpoint")).toString());
    }

    @Test
    void noS256AdvertisesOnlyPlain() throws Exception {
        server.discoveryMode(FakeSmartServer.DiscoveryMode.NO_S256);

        JsonObject config = new JsonObject(get(wellKnownUrl(), null).body());
        assertEquals(new JsonArray().add("plain"), config.getJsonArray("code_challenge_methods_supported"));
        assertEquals(server.tokenEndpoint(), config.getString("token_endpoint"));
    }

    @Test
    void notJsonAnswersAnHtmlPage() throws Exception {
        server.discoveryMode(FakeSmartServer.DiscoveryMode.NOT_JSON);

        HttpResponse<String> discovery = get(wellKnownUrl(), null);
        assertEquals(200, discovery.statusCode());
        assertTrue(discovery.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
        assertEquals("<html>", discovery.body());
    }

    @Test
    void discoveryCountersCountGetsOfTheirDocumentOnly() throws Exception {
        get(wellKnownUrl(), null);
        get(wellKnownUrl(), null);
        post(wellKnownUrl(), Map.of());
        get(server.fhirBase() + "/metadata", null);
        get(server.fhirBase() + "/metadata?_summary=true", null);

        assertEquals(2, server.discoveryRequests());
        assertEquals(2, server.metadataRequests());
        server.reset();
        assertEquals(0, server.discoveryRequests());
        assertEquals(0, server.metadataRequests());
    }

    // ================================================================== 2-5. id token shape

    @Test
    void fhirUserCanBeAbsolute() throws Exception {
        server.fhirUserAbsolute(true);

        JwtClaims claims = verifyIdToken(login("n").getString("id_token"));
        assertEquals(server.fhirBase() + "/Practitioner/123", claims.getStringClaimValue("fhirUser"));
    }

    @Test
    void idTokenCanLackAKidWhileTheJwksHasOneKey() throws Exception {
        server.idTokenWithoutKid(true);

        String idToken = login("n").getString("id_token");
        JsonObject header = jwtPart(idToken, 0);
        assertFalse(header.containsKey("kid"), header.encode());
        assertEquals("RS256", header.getString("alg"));
        JsonArray keys = new JsonObject(get(server.baseUrl() + "/oauth/jwks", null).body()).getJsonArray("keys");
        assertEquals(1, keys.size());
        assertEquals("practitioner-123", verifyIdToken(idToken).getSubject()); // the single key verifies it
    }

    @Test
    void idTokenIssuerCanDifferFromTheDiscoveryIssuer() throws Exception {
        String launcherStyle = server.baseUrl() + "/auth/fhir";
        server.idTokenIssuer(launcherStyle);

        JsonObject tokens = login("n");
        assertEquals(launcherStyle, verifyIdToken(tokens.getString("id_token"), launcherStyle, true).getIssuer());
        assertEquals(server.issuer(), new JsonObject(get(wellKnownUrl(), null).body()).getString("issuer"));
        JsonObject refreshed = new JsonObject(refresh(tokens.getString("refresh_token")).body());
        assertEquals(launcherStyle, verifyIdToken(refreshed.getString("id_token"), launcherStyle, false).getIssuer());

        server.idTokenIssuer(null);
        assertEquals(server.issuer(), verifyIdToken(login("n").getString("id_token")).getIssuer());
    }

    @Test
    void nonceCanBeOmittedFromTheCodeExchange() throws Exception {
        server.omitNonce(true);

        JsonObject tokens = login("nonce-7");
        assertEquals("nonce-7", server.lastAuthorizeParams().get("nonce"));
        assertFalse(verifyIdToken(tokens.getString("id_token")).hasClaim("nonce"));
    }

    // ================================================================== 6. refresh id token

    @Test
    void refreshIdTokenByDefaultLacksAudAndNonce() throws Exception {
        JsonObject refreshed = new JsonObject(refresh(login("n1").getString("refresh_token")).body());

        JwtClaims claims = verifyIdToken(refreshed.getString("id_token"), server.issuer(), false);
        assertFalse(claims.hasAudience());
        assertFalse(claims.hasClaim("nonce"));
        assertEquals("practitioner-123", claims.getSubject());
    }

    @Test
    void refreshIdTokenCanBeAbsent() throws Exception {
        server.refreshIdTokenMode(FakeSmartServer.RefreshIdToken.NONE);

        JsonObject refreshed = new JsonObject(refresh(login("n").getString("refresh_token")).body());
        assertNotNull(refreshed.getString("access_token"));
        assertFalse(refreshed.containsKey("id_token"), refreshed.encode());
    }

    @Test
    void refreshIdTokenCanNameAnotherSubject() throws Exception {
        server.refreshIdTokenMode(FakeSmartServer.RefreshIdToken.OTHER_SUBJECT);

        JsonObject refreshed = new JsonObject(refresh(login("n").getString("refresh_token")).body());
        JwtClaims claims = verifyIdToken(refreshed.getString("id_token")); // a valid token, aud included
        assertEquals("someone-else", claims.getSubject());
        assertFalse(claims.hasClaim("nonce"));
    }

    // ================================================================== 7. fhirContext

    @Test
    void fhirContextCanBeLeftOut() throws Exception {
        server.fhirContextArray(false);

        JsonObject tokens = login(null);
        assertFalse(tokens.containsKey("fhirContext"), tokens.encode());
        assertEquals("enc-1", tokens.getString("encounter"));
    }

    // ================================================================== 8. confidential clients

    @Test
    void clientSecretBasicNeedsUrlEncodedCredentialsInTheHeader() throws Exception {
        server.clientAuth(FakeSmartServer.ClientAuth.CLIENT_SECRET_BASIC);
        String secret = server.clientSecret();
        assertNotEquals(URLEncoder.encode(secret, StandardCharsets.UTF_8), secret,
                "the default secret must need urlencoding, to catch clients that skip it");
        assertTrue(new JsonObject(get(wellKnownUrl(), null).body())
                .getJsonArray("token_endpoint_auth_methods_supported").contains("client_secret_basic"));

        // Public-client style: rejected, with a Basic challenge.
        HttpResponse<String> publicStyle = exchange(authorize(randomVerifier(), null).get("code"), "v");
        assertInvalidClient(publicStyle);
        assertEquals("Basic realm=\"fake-smart\"", publicStyle.headers().firstValue("www-authenticate").orElseThrow());
        // Not urlencoded before base64: the raw "%&" is no escape.
        assertInvalidClient(codeExchange(Map.of(), rawBasic(server.clientId(), secret)), "is required");
        // Right header, but the secret in the body as well.
        assertInvalidClient(codeExchange(Map.of("client_secret", secret), basic(server.clientId(), secret)),
                "request body");
        assertInvalidClient(codeExchange(Map.of(), basic(server.clientId(), "wrong")), "wrong client id or secret");

        HttpResponse<String> ok = codeExchange(Map.of(), basic(server.clientId(), secret));
        assertEquals(200, ok.statusCode(), ok.body());
        String refreshToken = new JsonObject(ok.body()).getString("refresh_token");

        // The refresh grant needs the same authentication; a failed attempt leaves the refresh token valid.
        assertInvalidClient(tokenRequest(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken,
                "client_id", server.clientId()), null));
        HttpResponse<String> refreshed = tokenRequest(Map.of("grant_type", "refresh_token",
                "refresh_token", refreshToken), basic(server.clientId(), secret));
        assertEquals(200, refreshed.statusCode(), refreshed.body());

        // A custom secret; the client id may also be repeated in the body.
        server.clientSecret("plain");
        assertEquals(200, codeExchange(Map.of("client_id", server.clientId()), basic(server.clientId(), "plain"))
                .statusCode());
    }

    @Test
    void clientSecretPostNeedsBothCredentialsInTheBody() throws Exception {
        server.clientAuth(FakeSmartServer.ClientAuth.CLIENT_SECRET_POST).clientSecret("s3cret");
        assertTrue(new JsonObject(get(wellKnownUrl(), null).body())
                .getJsonArray("token_endpoint_auth_methods_supported").contains("client_secret_post"));

        assertInvalidClient(codeExchange(Map.of("client_id", server.clientId()), null));
        assertInvalidClient(codeExchange(Map.of("client_id", server.clientId(), "client_secret", "wrong"), null));
        assertInvalidClient(codeExchange(Map.of("client_id", server.clientId(), "client_secret", "s3cret"),
                basic(server.clientId(), "s3cret")));

        HttpResponse<String> ok = codeExchange(Map.of("client_id", server.clientId(), "client_secret", "s3cret"), null);
        assertEquals(200, ok.statusCode(), ok.body());
        String refreshToken = new JsonObject(ok.body()).getString("refresh_token");
        assertInvalidClient(refresh(refreshToken));
        assertEquals(200, tokenRequest(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken,
                "client_id", server.clientId(), "client_secret", "s3cret"), null).statusCode());
    }

    @Test
    void privateKeyJwtIsVerifiedAgainstTheJwksFetchedAtEachRequest() throws Exception {
        PublicJsonWebKey key = rsaKey("rsa-1");
        try (JwksHost host = new JwksHost()) {
            host.publish(key);
            server.clientAuth(FakeSmartServer.ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(host.url());
            assertEquals(new JsonArray().add("RS384").add("ES384"), new JsonObject(get(wellKnownUrl(), null).body())
                    .getJsonArray("token_endpoint_auth_signing_alg_values_supported"));

            String assertion = assertion(key, "RS384", c -> { });
            HttpResponse<String> ok = codeExchange(assertionParams(assertion), null);
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(1, host.fetches());

            Map<String, Object> verified = server.verifiedClientAssertions().get(0);
            assertEquals("RS384", verified.get("alg"));
            assertEquals("rsa-1", verified.get("kid"));
            assertEquals(server.clientId(), verified.get("iss"));
            assertEquals(server.clientId(), verified.get("sub"));
            assertEquals(server.tokenEndpoint(), verified.get("aud"));
            assertInstanceOf(Long.class, verified.get("exp"));
            assertInstanceOf(Long.class, verified.get("iat"));
            assertNotNull(verified.get("jti"));

            // The refresh grant is authenticated the same way; a replayed jti is refused.
            String refreshToken = new JsonObject(ok.body()).getString("refresh_token");
            Map<String, String> replayed = new LinkedHashMap<>(assertionParams(assertion));
            replayed.putAll(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
            assertInvalidClient(tokenRequest(replayed, null), "replay");
            assertInvalidClient(refresh(refreshToken)); // public-client style
            Map<String, String> fresh = new LinkedHashMap<>(assertionParams(assertion(key, "RS384", c -> { })));
            fresh.putAll(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
            HttpResponse<String> refreshed = tokenRequest(fresh, null);
            assertEquals(200, refreshed.statusCode(), refreshed.body());
            assertEquals(2, server.verifiedClientAssertions().size());
            assertEquals(3, host.fetches(), "the public-client attempt needs no JWKS");
        }
    }

    @Test
    void privateKeyJwtRefusesEveryFlawedAssertion() throws Exception {
        PublicJsonWebKey key = rsaKey("rsa-1");
        PublicJsonWebKey impostor = rsaKey("rsa-1"); // same kid, other key pair
        try (JwksHost host = new JwksHost()) {
            host.publish(key);
            server.clientAuth(FakeSmartServer.ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(host.url());
            HttpResponse<String> login = codeExchange(assertionParams(assertion(key, "RS384", c -> { })), null);
            assertEquals(200, login.statusCode(), login.body());
            String refreshToken = new JsonObject(login.body()).getString("refresh_token");
            long now = NumericDate.now().getValue();

            // Each flaw, and the words the refusal must contain: refused for the right reason, not another one.
            record Flaw(String assertion, String reason) {
            }
            Map<String, Flaw> flaws = new LinkedHashMap<>();
            flaws.put("RS256", new Flaw(assertion(key, "RS256", c -> { }), "alg must be RS384 or ES384"));
            flaws.put("no kid", new Flaw(assertion(key, "RS384", null, c -> { }), "no kid"));
            flaws.put("unknown kid", new Flaw(assertion(key, "RS384", "rsa-2", c -> { }), "kid rsa-2"));
            flaws.put("wrong key", new Flaw(assertion(impostor, "RS384", c -> { }), "signature does not verify"));
            flaws.put("iss", new Flaw(assertion(key, "RS384", c -> c.setIssuer("someone")), "iss and sub"));
            flaws.put("sub", new Flaw(assertion(key, "RS384", c -> c.setSubject("someone")), "iss and sub"));
            flaws.put("aud issuer", new Flaw(assertion(key, "RS384", c -> c.setAudience(server.issuer())),
                    "aud must be the token endpoint"));
            flaws.put("aud slash", new Flaw(assertion(key, "RS384",
                    c -> c.setAudience(server.tokenEndpoint() + "/")), "aud must be the token endpoint"));
            flaws.put("expired", new Flaw(assertion(key, "RS384",
                    c -> c.setExpirationTime(NumericDate.fromSeconds(now - 1))), "not in the future"));
            flaws.put("exp too far", new Flaw(assertion(key, "RS384",
                    c -> c.setExpirationTime(NumericDate.fromSeconds(now + 400))), "more than 300 s away"));
            flaws.put("no exp", new Flaw(assertion(key, "RS384", c -> c.unsetClaim("exp")), "exp is missing"));
            flaws.put("no jti", new Flaw(assertion(key, "RS384", c -> c.unsetClaim("jti")), "no jti"));
            flaws.put("not a JWT", new Flaw("not.a.jwt", "malformed"));
            for (Map.Entry<String, Flaw> flaw : flaws.entrySet()) {
                HttpResponse<String> response = refreshWithAssertion(refreshToken, flaw.getValue().assertion());
                assertInvalidClient(response, flaw.getValue().reason());
            }

            Map<String, String> wrongType = new LinkedHashMap<>(assertionParams(assertion(key, "RS384", c -> { })));
            wrongType.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer");
            wrongType.putAll(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
            assertInvalidClient(tokenRequest(wrongType, null), "client_assertion_type");
            Map<String, String> twoMethods = new LinkedHashMap<>(assertionParams(assertion(key, "RS384", c -> { })));
            twoMethods.putAll(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
            assertInvalidClient(tokenRequest(twoMethods, basic(server.clientId(), "x")), "exactly one");

            // A JWKS that leaks the private key, or none at all, fails the client too.
            host.publishRaw(new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            assertInvalidClient(refreshWithAssertion(refreshToken, assertion(key, "RS384", c -> { })),
                    "private key material");
            host.publishRaw(null);
            assertInvalidClient(refreshWithAssertion(refreshToken, assertion(key, "RS384", c -> { })),
                    "could not be fetched");
            server.clientJwksUrl(null);
            assertInvalidClient(refreshWithAssertion(refreshToken, assertion(key, "RS384", c -> { })),
                    "no client JWKS URL");

            // After all that, the refresh token was never consumed: a good assertion still refreshes.
            server.clientJwksUrl(host.url());
            host.publish(key);
            assertEquals(200, refreshWithAssertion(refreshToken, assertion(key, "RS384", c -> { })).statusCode());
            assertEquals(2, server.verifiedClientAssertions().size());
        }
    }

    @Test
    void privateKeyJwtAcceptsEs384AndObservesKeyRotation() throws Exception {
        PublicJsonWebKey first = ecKey("ec-1");
        PublicJsonWebKey second = ecKey("ec-2");
        try (JwksHost host = new JwksHost()) {
            host.publish(first);
            server.clientAuth(FakeSmartServer.ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(host.url());
            HttpResponse<String> login = codeExchange(assertionParams(assertion(first, "ES384", c -> { })), null);
            assertEquals(200, login.statusCode(), login.body());
            assertEquals("ES384", server.verifiedClientAssertions().get(0).get("alg"));
            String refreshToken = new JsonObject(login.body()).getString("refresh_token");

            host.publish(second); // rotation: the first key is withdrawn
            assertInvalidClient(refreshWithAssertion(refreshToken, assertion(first, "ES384", c -> { })), "kid ec-1");
            HttpResponse<String> rotated = refreshWithAssertion(refreshToken, assertion(second, "ES384", c -> { }));
            assertEquals(200, rotated.statusCode(), rotated.body());
            assertEquals("ec-2", server.verifiedClientAssertions().get(1).get("kid"));
        }
    }

    @Test
    void fetchingTheClientJwksDoesNotBlockTheServer() throws Exception {
        PublicJsonWebKey key = rsaKey("rsa-1");
        try (JwksHost host = new JwksHost()) {
            host.publish(key);
            host.holdResponses();
            server.clientAuth(FakeSmartServer.ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(host.url());
            String verifier = randomVerifier();
            String code = authorize(verifier, null).get("code");
            Map<String, String> form = new LinkedHashMap<>(assertionParams(assertion(key, "RS384", c -> { })));
            form.putAll(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT_URI,
                    "code_verifier", verifier));

            CompletableFuture<HttpResponse<String>> slowExchange = http.sendAsync(formRequest(
                    server.tokenEndpoint(), form, null), HttpResponse.BodyHandlers.ofString());
            assertTrue(host.awaitFetch(Duration.ofSeconds(10)), "the fake fetched the client's JWKS");
            // The JWKS answer is held back: the fake must still serve other requests meanwhile.
            assertEquals(200, get(wellKnownUrl(), null).statusCode());
            assertFalse(slowExchange.isDone());
            host.releaseResponses();
            assertEquals(200, slowExchange.get(10, TimeUnit.SECONDS).statusCode());
        }
    }

    // ================================================================== 9. outage

    @Test
    void tokenEndpointCanBeDown() throws Exception {
        String verifier = randomVerifier();
        String code = authorize(verifier, null).get("code");
        server.tokenEndpointDown(true);

        HttpResponse<String> down = exchange(code, verifier);
        assertEquals(503, down.statusCode());
        assertTrue(down.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
        assertTrue(down.body().startsWith("<html>"), down.body());
        assertEquals(1, server.tokenRequests());
        assertEquals(200, get(wellKnownUrl(), null).statusCode(), "only the token endpoint is down");

        server.tokenEndpointDown(false);
        assertEquals(200, exchange(code, verifier).statusCode(), "the outage did not burn the code");
    }

    // ================================================================== 10. non-rotating refresh tokens

    @Test
    void refreshTokensCanStayValid() throws Exception {
        server.refreshTokensRotate(false);
        String refreshToken = login(null).getString("refresh_token");

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> refreshed = refresh(refreshToken);
            assertEquals(200, refreshed.statusCode(), refreshed.body());
            assertFalse(new JsonObject(refreshed.body()).containsKey("refresh_token"), refreshed.body());
        }
        assertEquals(refreshToken, server.currentRefreshToken());
        assertEquals(List.of(refreshToken), List.copyOf(server.issuedRefreshTokens()));
        assertEquals(2, server.refreshGrants());
    }

    // ================================================================== 11. EHR launch

    @Test
    void ehrLaunchIdsCarryTheirContextIntoTheTokenResponse() throws Exception {
        String launch = server.issueLaunchId("patient-9", "enc-9");
        String verifier = randomVerifier();
        Map<String, String> callback = authorize(verifier, null, Map.of("launch", launch));
        assertEquals(launch, server.lastAuthorizeParams().get("launch"));
        assertEquals(server.fhirBase(), server.lastAuthorizeParams().get("aud"));

        JsonObject tokens = new JsonObject(exchange(callback.get("code"), verifier).body());
        assertEquals("patient-9", tokens.getString("patient"));
        assertEquals("enc-9", tokens.getString("encounter"));
        assertEquals("Encounter/enc-9", tokens.getJsonArray("fhirContext").getJsonObject(0).getString("reference"));

        String patientOnly = server.issueLaunchId("patient-10", null);
        String verifier2 = randomVerifier();
        JsonObject tokens2 = new JsonObject(exchange(authorize(verifier2, null, Map.of("launch", patientOnly))
                .get("code"), verifier2).body());
        assertEquals("patient-10", tokens2.getString("patient"));
        assertFalse(tokens2.containsKey("encounter"));
        assertFalse(tokens2.containsKey("fhirContext"));
    }

    @Test
    void unknownLaunchIdsAreRedirectedBackWithAnError() throws Exception {
        HttpResponse<String> response = get(authorizeUrl(challenge(randomVerifier()), server.fhirBase(), null,
                Map.of("launch", "made-up")), null);
        assertEquals(302, response.statusCode());
        String location = response.headers().firstValue("location").orElseThrow();
        assertEquals(REDIRECT_URI + "?error=invalid_request&error_description=unknown+launch&state=st-1", location);

        String launch = server.issueLaunchId("p", "e");
        server.reset();
        assertTrue(get(authorizeUrl(challenge(randomVerifier()), server.fhirBase(), null, Map.of("launch", launch)),
                null).headers().firstValue("location").orElseThrow().contains("error=invalid_request"),
                "launch ids do not survive reset()");
    }

    // ================================================================== 12. proxy test endpoints

    @Test
    void echoMirrorsTheRequestBehindTheBearerCheck() throws Exception {
        String accessToken = login(null).getString("access_token");
        String url = server.fhirBase() + "/echo/a/b?x=1&y=%C3%A9";
        assertEquals(401, get(url, null).statusCode());

        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + accessToken)
                .header("X-Custom", "one")
                .header("Content-Type", "text/plain; charset=utf-8")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("grüße ✓", StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
        JsonObject echo = new JsonObject(response.body());
        assertEquals("PATCH", echo.getString("method"));
        assertEquals("/fhir/echo/a/b", echo.getString("path"));
        assertEquals("x=1&y=%C3%A9", echo.getString("query"));
        assertEquals("grüße ✓", echo.getString("body"));
        JsonObject headers = echo.getJsonObject("headers");
        assertEquals("one", headers.getString("x-custom"));
        assertEquals("Bearer " + accessToken, headers.getString("authorization"));
        assertTrue(headers.fieldNames().stream().allMatch(n -> n.equals(n.toLowerCase(Locale.ROOT))));
    }

    @Test
    void patientWritesAreAnswered() throws Exception {
        String accessToken = login(null).getString("access_token");
        String newPatient = new JsonObject().put("resourceType", "Patient").put("active", true).encode();

        HttpResponse<String> created = send("POST", server.fhirBase() + "/Patient", accessToken,
                "application/fhir+json", newPatient);
        assertEquals(201, created.statusCode(), created.body());
        JsonObject stored = new JsonObject(created.body());
        assertTrue(created.headers().firstValue("location").orElseThrow()
                .startsWith(server.fhirBase() + "/Patient/" + stored.getString("id") + "/_history/1"));
        assertTrue(stored.getBoolean("active"));
        assertEquals(400, send("POST", server.fhirBase() + "/Patient", accessToken, "text/plain", newPatient)
                .statusCode());

        String update = new JsonObject().put("resourceType", "Patient").put("id", server.patientId()).encode();
        HttpResponse<String> updated = send("PUT", patientUrl(), accessToken, "application/fhir+json", update);
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals("W/\"2\"", updated.headers().firstValue("etag").orElseThrow());
        String mismatch = new JsonObject().put("resourceType", "Patient").put("id", "other").encode();
        assertEquals(400, send("PUT", patientUrl(), accessToken, "application/json", mismatch).statusCode());

        assertEquals(204, send("DELETE", patientUrl(), accessToken, null, null).statusCode());
        assertEquals(200, get(patientUrl(), accessToken).statusCode(), "writes are not stored");
        assertEquals(401, send("DELETE", patientUrl(), null, null, null).statusCode());
    }

    @Test
    void bigStreamsAnExactlySizedValidBundle() throws Exception {
        String accessToken = login(null).getString("access_token");
        assertEquals(400, get(server.fhirBase() + "/big?mb=0", accessToken).statusCode());
        assertEquals(400, get(server.fhirBase() + "/big", accessToken).statusCode());
        assertEquals(401, get(server.fhirBase() + "/big?mb=1", null).statusCode());

        HttpRequest request = HttpRequest.newBuilder(URI.create(server.fhirBase() + "/big?mb=2"))
                .version(HttpClient.Version.HTTP_1_1)
                .header("Authorization", "Bearer " + accessToken)
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("application/fhir+json", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("chunked", response.headers().firstValue("transfer-encoding").orElseThrow());
        assertEquals(2 << 20, response.body().length);

        JsonObject bundle = new JsonObject(new String(response.body(), StandardCharsets.UTF_8));
        assertEquals("Bundle", bundle.getString("resourceType"));
        assertEquals("searchset", bundle.getString("type"));
        JsonArray entries = bundle.getJsonArray("entry");
        assertTrue(entries.size() > 1000, "entries: " + entries.size());
        for (int i = 0; i < entries.size(); i++) {
            JsonObject entry = entries.getJsonObject(i);
            assertEquals(server.fhirBase() + "/Observation/" + (i + 1), entry.getString("fullUrl"));
            assertEquals("Observation", entry.getJsonObject("resource").getString("resourceType"));
        }
    }

    @Test
    void bigHonoursBackPressureFromASlowReader() throws Exception {
        String accessToken = login(null).getString("access_token");
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.fhirBase() + "/big?mb=32"))
                .version(HttpClient.Version.HTTP_1_1)
                .header("Authorization", "Bearer " + accessToken)
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        // Read nothing: socket buffers fill and the server must wait for drain.
        assertTrue(server.awaitBigBundleBackPressure(Duration.ofSeconds(10)), "the writer never waited for the write queue");

        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = response.body()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
        }
        assertEquals(32L << 20, total);
    }

    @Test
    void slowNeverAnswersAndRedirectPointsElsewhere() throws Exception {
        String accessToken = login(null).getString("access_token");
        HttpRequest slow = HttpRequest.newBuilder(URI.create(server.fhirBase() + "/slow"))
                .header("Authorization", "Bearer " + accessToken)
                .timeout(Duration.ofMillis(300))
                .build();
        assertThrows(HttpTimeoutException.class, () -> http.send(slow, HttpResponse.BodyHandlers.ofString()));
        assertTrue(server.fhirRequests().stream().anyMatch(r -> r.path().equals("/fhir/slow")));

        HttpResponse<String> redirect = get(server.fhirBase() + "/redirect", accessToken);
        assertEquals(302, redirect.statusCode());
        assertEquals("https://elsewhere.example/steal", redirect.headers().firstValue("location").orElseThrow());
    }

    @Test
    void closeAnswersRequestsThatWereNeverAnswered() throws Exception {
        FakeSmartServer other = FakeSmartServer.start();
        CompletableFuture<HttpResponse<String>> pending;
        try {
            String accessToken = loginOn(other, null).getString("access_token");
            pending = http.sendAsync(HttpRequest.newBuilder(URI.create(other.fhirBase() + "/slow"))
                    .version(HttpClient.Version.HTTP_1_1)
                    .header("Authorization", "Bearer " + accessToken).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(other.awaitRequest(r -> r.path().equals("/fhir/slow"), Duration.ofSeconds(10)));
        } finally {
            long started = System.nanoTime();
            other.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(millis < 5000, "close took " + millis + " ms");
        }
        HttpResponse<String> released = pending.get(5, TimeUnit.SECONDS);
        assertEquals(503, released.statusCode(), released.body());
        assertEquals("close", released.headers().firstValue("connection").orElseThrow());
        other.close(); // idempotent
    }

    // ================================================================== 13. per-token counts and revocation

    @Test
    void fhirCallsAreCountedPerTokenAndAccessTokensCanBeRevokedTogether() throws Exception {
        JsonObject tokens = login(null);
        String accessToken = tokens.getString("access_token");
        assertEquals(200, get(patientUrl(), accessToken).statusCode());
        assertEquals(200, get(server.fhirBase() + "/Observation", accessToken).statusCode());
        get(server.fhirBase() + "/metadata", null);
        assertEquals(2, server.fhirCallsWith(accessToken));
        assertEquals(0, server.fhirCallsWith("at-unknown"));

        server.revokeAccessTokens();
        assertEquals(401, get(patientUrl(), accessToken).statusCode());
        assertEquals(3, server.fhirCallsWith(accessToken), "rejected calls count too");

        HttpResponse<String> refreshed = refresh(tokens.getString("refresh_token"));
        assertEquals(200, refreshed.statusCode(), "refresh tokens survive revokeAccessTokens()");
        String newAccessToken = new JsonObject(refreshed.body()).getString("access_token");
        assertEquals(200, get(patientUrl(), newAccessToken).statusCode());
        assertEquals(1, server.fhirCallsWith(newAccessToken));
    }

    // ================================================================== reset

    @Test
    void resetRestoresEveryKnob() throws Exception {
        server.discoveryMode(FakeSmartServer.DiscoveryMode.NOT_JSON)
                .fhirUserAbsolute(true)
                .idTokenWithoutKid(true)
                .idTokenIssuer("https://other.example")
                .omitNonce(true)
                .refreshIdTokenMode(FakeSmartServer.RefreshIdToken.NONE)
                .fhirContextArray(false)
                .clientAuth(FakeSmartServer.ClientAuth.CLIENT_SECRET_POST)
                .clientSecret("changed")
                .clientJwksUrl("http://127.0.0.1:1/jwks")
                .tokenEndpointDown(true)
                .refreshTokensRotate(false)
                .accessTokenLifetime(Duration.ZERO);
        server.reset();

        JsonObject config = new JsonObject(get(wellKnownUrl(), null).body());
        assertEquals(new JsonArray().add("S256"), config.getJsonArray("code_challenge_methods_supported"));
        assertFalse(config.containsKey("token_endpoint_auth_signing_alg_values_supported"));
        JsonObject tokens = login("n"); // public client, token endpoint up
        assertEquals(3600, tokens.getInteger("expires_in"));
        assertTrue(tokens.containsKey("fhirContext"));
        String idToken = tokens.getString("id_token");
        assertNotNull(jwtPart(idToken, 0).getString("kid"));
        JwtClaims claims = verifyIdToken(idToken);
        assertEquals("n", claims.getStringClaimValue("nonce"));
        assertEquals("Practitioner/123", claims.getStringClaimValue("fhirUser"));
        JsonObject refreshed = new JsonObject(refresh(tokens.getString("refresh_token")).body());
        assertNotNull(refreshed.getString("refresh_token"), "rotation is back");
        assertFalse(verifyIdToken(refreshed.getString("id_token"), server.issuer(), false).hasAudience());
        assertTrue(server.verifiedClientAssertions().isEmpty());
        assertNotEquals("changed", server.clientSecret());
    }

    // ================================================================== helpers: id tokens and JWTs

    private JwtClaims verifyIdToken(String idToken) throws Exception {
        return verifyIdToken(idToken, server.issuer(), true);
    }

    private JwtClaims verifyIdToken(String idToken, String issuer, boolean withAudience) throws Exception {
        JsonWebKeySet jwks = new JsonWebKeySet(get(server.baseUrl() + "/oauth/jwks", null).body());
        JwtConsumerBuilder consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks.getJsonWebKeys()))
                .setExpectedIssuer(issuer)
                .setRequireExpirationTime();
        if (withAudience) {
            consumer.setExpectedAudience(server.clientId());
        } else {
            consumer.setSkipDefaultAudienceValidation();
        }
        JwtConsumer built = consumer.build();
        return built.processToClaims(idToken);
    }

    private static JsonObject jwtPart(String jwt, int index) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[index]),
                StandardCharsets.UTF_8));
    }

    private static PublicJsonWebKey rsaKey(String kid) throws Exception {
        PublicJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId(kid);
        return key;
    }

    private static PublicJsonWebKey ecKey(String kid) throws Exception {
        PublicJsonWebKey key = EcJwkGenerator.generateJwk(EllipticCurves.P384);
        key.setKeyId(kid);
        return key;
    }

    /** A client assertion with valid claims, as {@code tweak} leaves them, and the key's kid. */
    private static String assertion(PublicJsonWebKey key, String alg, Consumer<JwtClaims> tweak) throws Exception {
        return assertion(key, alg, key.getKeyId(), tweak);
    }

    private static String assertion(PublicJsonWebKey key, String alg, String kid, Consumer<JwtClaims> tweak)
            throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(server.clientId());
        claims.setSubject(server.clientId());
        claims.setAudience(server.tokenEndpoint());
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(4);
        claims.setJwtId(randomVerifier());
        tweak.accept(claims);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setAlgorithmHeaderValue(alg);
        if (kid != null) {
            jws.setKeyIdHeaderValue(kid);
        }
        return jws.getCompactSerialization();
    }

    private static Map<String, String> assertionParams(String assertion) {
        return Map.of("client_assertion_type", JWT_BEARER, "client_assertion", assertion);
    }

    // ================================================================== helpers: OAuth flows

    /** Authorizes and exchanges the code as the public client; the token response. */
    private static JsonObject login(String nonce) throws Exception {
        return loginOn(server, nonce);
    }

    private static JsonObject loginOn(FakeSmartServer s, String nonce) throws Exception {
        String verifier = randomVerifier();
        HttpResponse<String> authorized = get(authorizeUrl(s, challenge(verifier), s.fhirBase(), nonce, Map.of()), null);
        assertEquals(302, authorized.statusCode(), authorized.body());
        String code = query(authorized.headers().firstValue("location").orElseThrow()).get("code");
        HttpResponse<String> response = post(s.tokenEndpoint(), Map.of("grant_type", "authorization_code",
                "code", code, "redirect_uri", REDIRECT_URI, "code_verifier", verifier, "client_id", s.clientId()));
        assertEquals(200, response.statusCode(), response.body());
        return new JsonObject(response.body());
    }

    /** Runs /authorize and returns the callback's query parameters. */
    private Map<String, String> authorize(String verifier, String nonce) throws Exception {
        return authorize(verifier, nonce, Map.of());
    }

    private Map<String, String> authorize(String verifier, String nonce, Map<String, String> extra) throws Exception {
        HttpResponse<String> response = get(authorizeUrl(challenge(verifier), server.fhirBase(), nonce, extra), null);
        assertEquals(302, response.statusCode(), response.body());
        String location = response.headers().firstValue("location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT_URI + "?"), location);
        assertNull(query(location).get("error"), location);
        return query(location);
    }

    private static String authorizeUrl(String challenge, String aud, String nonce, Map<String, String> extra) {
        return authorizeUrl(server, challenge, aud, nonce, extra);
    }

    private static String authorizeUrl(FakeSmartServer s, String challenge, String aud, String nonce,
                                       Map<String, String> extra) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", s.clientId());
        params.put("redirect_uri", REDIRECT_URI);
        params.put("scope", SCOPE);
        params.put("state", "st-1");
        params.put("aud", aud);
        params.put("code_challenge", challenge);
        params.put("code_challenge_method", "S256");
        if (nonce != null) {
            params.put("nonce", nonce);
        }
        params.putAll(extra);
        return s.baseUrl() + "/oauth/authorize?" + form(params);
    }

    /** A public client's code exchange. */
    private HttpResponse<String> exchange(String code, String verifier) throws Exception {
        return post(server.tokenEndpoint(), Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT_URI, "code_verifier", verifier, "client_id", server.clientId()));
    }

    /** A fresh authorization, then its code exchange with the given client authentication. */
    private HttpResponse<String> codeExchange(Map<String, String> clientParams, String authorization)
            throws Exception {
        String verifier = randomVerifier();
        String code = authorize(verifier, null).get("code");
        Map<String, String> params = new LinkedHashMap<>(clientParams);
        params.putAll(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT_URI,
                "code_verifier", verifier));
        return tokenRequest(params, authorization);
    }

    private HttpResponse<String> refresh(String refreshToken) throws Exception {
        return post(server.tokenEndpoint(), Map.of("grant_type", "refresh_token",
                "refresh_token", refreshToken, "client_id", server.clientId()));
    }

    private HttpResponse<String> refreshWithAssertion(String refreshToken, String assertion) throws Exception {
        Map<String, String> params = new LinkedHashMap<>(assertionParams(assertion));
        params.putAll(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
        return tokenRequest(params, null);
    }

    private static HttpResponse<String> tokenRequest(Map<String, String> params, String authorization)
            throws Exception {
        return http.send(formRequest(server.tokenEndpoint(), params, authorization),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertInvalidClient(HttpResponse<String> response) {
        assertEquals(401, response.statusCode(), response.body());
        assertEquals("invalid_client", new JsonObject(response.body()).getString("error"));
    }

    /** Refused, and for the expected reason rather than some other one. */
    private static void assertInvalidClient(HttpResponse<String> response, String reason) {
        assertInvalidClient(response);
        assertTrue(new JsonObject(response.body()).getString("error_description").contains(reason),
                "expected a refusal about '" + reason + "': " + response.body());
    }

    /** RFC 6749 2.3.1: both parts form-urlencoded before they are joined and base64-encoded. */
    private static String basic(String id, String secret) {
        return rawBasic(URLEncoder.encode(id, StandardCharsets.UTF_8), URLEncoder.encode(secret, StandardCharsets.UTF_8));
    }

    private static String rawBasic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    // ================================================================== helpers: HTTP

    private static String wellKnownUrl() {
        return server.fhirBase() + "/.well-known/smart-configuration";
    }

    private static String patientUrl() {
        return server.fhirBase() + "/Patient/" + server.patientId();
    }

    private static JsonArray oauthUris(HttpResponse<String> metadata) {
        JsonObject capabilities = new JsonObject(metadata.body());
        assertEquals("CapabilityStatement", capabilities.getString("resourceType"));
        JsonObject extension = capabilities.getJsonArray("rest").getJsonObject(0)
                .getJsonObject("security").getJsonArray("extension").getJsonObject(0);
        assertTrue(extension.getString("url").endsWith("/oauth-uris"));
        return extension.getJsonArray("extension");
    }

    private static HttpResponse<String> get(String url, String bearer) throws Exception {
        return send("GET", url, bearer, null, null);
    }

    private static HttpResponse<String> send(String method, String url, String bearer, String contentType,
                                             String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, Map<String, String> params) throws Exception {
        return http.send(formRequest(url, params, null), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest formRequest(String url, Map<String, String> params, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params)));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request.build();
    }

    private static String form(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> result = new LinkedHashMap<>();
        String raw = URI.create(url).getRawQuery();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            result.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return result;
    }

    private static String randomVerifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String challenge(String verifier) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /**
     * Serves a client's JWK Set over plain HTTP (the JDK server), so tests can rotate keys, break the document
     * and slow it down, and count how often the fake fetched it.
     */
    private static final class JwksHost implements AutoCloseable {
        private final HttpServer httpServer;
        private final AtomicInteger fetches = new AtomicInteger();
        /** The document, or null for a 404. */
        private volatile String document;
        /** Closed while responses are held back (holdResponses); opened by releaseResponses. */
        private volatile java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(0);
        private final java.util.concurrent.CountDownLatch firstFetch = new java.util.concurrent.CountDownLatch(1);

        JwksHost() throws IOException {
            httpServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            httpServer.createContext("/jwks.json", exchange -> {
                fetches.incrementAndGet();
                firstFetch.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                String body = document;
                byte[] bytes = (body == null ? "not found" : body).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", body == null ? "text/plain" : "application/json");
                exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            httpServer.start();
        }

        String url() {
            return "http://127.0.0.1:" + httpServer.getAddress().getPort() + "/jwks.json";
        }

        /** Publishes only the public parts of these keys, replacing what was there. */
        void publish(PublicJsonWebKey... keys) {
            List<JsonWebKey> list = new ArrayList<>(List.of(keys));
            publishRaw(new JsonWebKeySet(list).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        }

        void publishRaw(String json) {
            document = json;
        }

        void holdResponses() {
            release = new java.util.concurrent.CountDownLatch(1);
        }

        void releaseResponses() {
            release.countDown();
        }

        boolean awaitFetch(Duration timeout) throws InterruptedException {
            return firstFetch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        int fetches() {
            return fetches.get();
        }

        @Override
        public void close() {
            httpServer.stop(0);
        }
    }
}
