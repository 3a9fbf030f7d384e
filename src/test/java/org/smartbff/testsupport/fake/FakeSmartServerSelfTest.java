package org.smartbff.testsupport.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.fake.FakeSmartServer.ClientAuth;
import org.smartbff.testsupport.fake.FakeSmartServer.DiscoveryMode;

import com.sun.net.httpserver.HttpServer;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The fake's contract where the product's tests cannot see it themselves: that it is as strict as a real server (so a
 * product test that passes is not passing against a lax fake), that a knob a product test expects to cope with really
 * changes what is sent (so the test is not vacuous), and the plumbing every test leans on (reset, close, back-pressure).
 * What the product's flow tests already exercise end to end (EHR launches, denied authorizations, echo, faults, an
 * outage) is proved there.
 */
class FakeSmartServerSelfTest {

    private static final String REDIRECT_URI = "http://localhost:8081/callback";
    private static final String SCOPE = "openid fhirUser launch/patient offline_access patient/*.rs";
    private static final SecureRandom RANDOM = new SecureRandom();

    private static FakeSmartServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        server = FakeSmartServer.start();
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void resetServer() {
        server.reset();
    }

    // ================================================================== a well-behaved server

    @Test
    void discoveryPublishesTheEndpointsAndTheJwksOnlyThePublicKey() throws Exception {
        JsonObject config = new JsonObject(get(wellKnownUrl(), null).body());
        assertEquals(server.issuer(), config.getString("issuer"));
        assertNotEquals(server.fhirBase(), server.issuer());
        assertEquals(server.tokenEndpoint(), config.getString("token_endpoint"));
        assertEquals(server.baseUrl() + "/oauth/authorize", config.getString("authorization_endpoint"));
        assertEquals(List.of("S256"), config.getJsonArray("code_challenge_methods_supported").getList());
        assertEquals(3, oauthUris(get(server.fhirBase() + "/metadata", null)).size());

        JsonObject jwk = new JsonObject(get(server.baseUrl() + "/oauth/jwks", null).body())
                .getJsonArray("keys").getJsonObject(0);
        assertEquals("RS256", jwk.getString("alg"));
        assertNull(jwk.getString("d"), "private key material must not be published");
        assertEquals(1, server.discoveryRequests());
        assertEquals(1, server.metadataRequests());
    }

    @Test
    void codesAreSingleUseBoundToTheirPkceVerifierAndGiveAVerifiableIdToken() throws Exception {
        String verifier = randomVerifier();
        String code = authorize(verifier, "nonce-42").get("code");
        HttpResponse<String> wrong = exchange(code, randomVerifier());
        assertEquals("invalid_grant", new JsonObject(wrong.body()).getString("error"));
        assertEquals(400, exchange(code, verifier).statusCode(), "the wrong verifier burnt the code");

        verifier = randomVerifier();
        code = authorize(verifier, "nonce-42").get("code");
        HttpResponse<String> response = exchange(code, verifier);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("no-store", response.headers().firstValue("cache-control").orElseThrow());
        JsonObject tokens = new JsonObject(response.body());
        assertEquals(SCOPE, tokens.getString("scope"));
        assertEquals(server.patientId(), tokens.getString("patient"));
        JwtClaims claims = verifyIdToken(tokens.getString("id_token"), server.issuer(), true);
        assertEquals("nonce-42", claims.getStringClaimValue("nonce"));
        assertEquals("Practitioner/123", claims.getStringClaimValue("fhirUser"));
        assertNotNull(jwtHeader(tokens.getString("id_token")).getString("kid"));
        assertEquals(400, exchange(code, verifier).statusCode(), "a code is good once");
    }

    @Test
    void fhirNeedsALiveBearerTokenAndRefreshTokensRotate() throws Exception {
        assertEquals(401, get(patientUrl(), null).statusCode());
        JsonObject first = login("n");
        String accessToken = first.getString("access_token");
        HttpResponse<String> patient = get(patientUrl(), accessToken);
        assertEquals(200, patient.statusCode());
        assertEquals("upstream=1", patient.headers().firstValue("set-cookie").orElseThrow(), "for the proxy to strip");
        assertEquals(1, server.fhirCallsWith(accessToken));

        HttpResponse<String> refreshed = refresh(first.getString("refresh_token"));
        assertEquals(200, refreshed.statusCode(), refreshed.body());
        JsonObject second = new JsonObject(refreshed.body());
        assertNotEquals(first.getString("refresh_token"), second.getString("refresh_token"));
        assertEquals(second.getString("refresh_token"), server.currentRefreshToken());
        assertEquals(400, refresh(first.getString("refresh_token")).statusCode(), "the presented token died");
        JwtClaims refreshClaims = verifyIdToken(second.getString("id_token"), server.issuer(), false);
        assertFalse(refreshClaims.hasAudience() || refreshClaims.hasClaim("nonce"), "the default refresh id token");
        assertEquals(1, server.refreshGrants());

        assertEquals(200, get(patientUrl(), accessToken).statusCode(), "rotation leaves access tokens alone");
        server.revokeAccessTokens();
        assertEquals(401, get(patientUrl(), accessToken).statusCode());
        server.accessTokenLifetime(Duration.ZERO);
        assertEquals(401, get(patientUrl(), login("n").getString("access_token")).statusCode(), "expired at once");
    }

    @Test
    void searchesFilterSortAndPageThroughGetpagesLinks() throws Exception {
        String accessToken = login(null).getString("access_token");
        JsonObject first = new JsonObject(get(server.fhirBase() + "/Observation?patient=" + server.patientId()
                + "&category=vital-signs&_sort=-date&_count=10", accessToken).body());
        JsonArray entries = first.getJsonArray("entry");
        assertEquals(10, entries.size());
        assertTrue(date(entries, 0).compareTo(date(entries, 9)) >= 0, "newest first");
        entries.forEach(e -> assertTrue(((JsonObject) e).encode().contains("\"code\":\"vital-signs\""), "vital signs"));
        String next = link(first, "next");
        assertTrue(next.startsWith(server.fhirBase() + "?_getpages="), next);
        JsonObject second = new JsonObject(get(next, accessToken).body());
        assertEquals(first.getInteger("total"), second.getInteger("total"));
        assertNotEquals(entries.getJsonObject(0).getString("fullUrl"),
                second.getJsonArray("entry").getJsonObject(0).getString("fullUrl"));
        assertEquals(0, new JsonObject(get(server.fhirBase() + "/Condition?patient=someone-else", accessToken).body())
                .getInteger("total"));
    }

    // ================================================================== knobs product tests expect to cope with

    @Test
    void metadataOnlyAndRelativeEndpointsReallyChangeDiscovery() throws Exception {
        server.discoveryMode(DiscoveryMode.METADATA_ONLY);
        assertEquals(404, get(wellKnownUrl(), null).statusCode());
        assertEquals(3, oauthUris(get(server.fhirBase() + "/metadata", null)).size());

        server.discoveryMode(DiscoveryMode.RELATIVE_ENDPOINTS);
        JsonObject config = new JsonObject(get(wellKnownUrl(), null).body());
        assertEquals("../oauth/token", config.getString("token_endpoint"));
        assertEquals(server.tokenEndpoint(),
                URI.create(server.fhirBase() + "/").resolve(config.getString("token_endpoint")).toString());
        // The trap: resolving against the document's own URL lands under /fhir, where there is no token endpoint.
        assertEquals(server.fhirBase() + "/oauth/token",
                URI.create(wellKnownUrl()).resolve(config.getString("token_endpoint")).toString());
    }

    @Test
    void idTokenKnobsReallyChangeTheIdTokens() throws Exception {
        String launcherStyle = server.baseUrl() + "/auth/fhir";
        server.idTokenWithoutKid(true).omitNonce(true).fhirUserAbsolute(true).idTokenIssuer(launcherStyle)
                .refreshTokensRotate(false);
        JsonObject tokens = login("nonce-7");
        String idToken = tokens.getString("id_token");
        assertFalse(jwtHeader(idToken).containsKey("kid"));
        JwtClaims claims = verifyIdToken(idToken, launcherStyle, true); // the JWKS's single key verifies it
        assertFalse(claims.hasClaim("nonce"));
        assertEquals(server.fhirBase() + "/Practitioner/123", claims.getStringClaimValue("fhirUser"));
        assertEquals(server.issuer(), new JsonObject(get(wellKnownUrl(), null).body()).getString("issuer"));

        String refreshToken = tokens.getString("refresh_token");
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> refreshed = refresh(refreshToken);
            assertEquals(200, refreshed.statusCode(), refreshed.body());
            assertFalse(new JsonObject(refreshed.body()).containsKey("refresh_token"), "no rotation");
        }
        server.refreshIdTokenMode(FakeSmartServer.RefreshIdToken.OTHER_SUBJECT);
        JsonObject other = new JsonObject(refresh(refreshToken).body());
        assertEquals("someone-else", verifyIdToken(other.getString("id_token"), launcherStyle, true).getSubject());
    }

    // ================================================================== as strict as a real server

    @Test
    void clientSecretsMustBeUrlEncodedInBasicAndArePostedOnlyWhenAskedFor() throws Exception {
        server.clientAuth(ClientAuth.CLIENT_SECRET_BASIC);
        String secret = server.clientSecret();
        assertNotEquals(URLEncoder.encode(secret, StandardCharsets.UTF_8), secret,
                "the default secret must need urlencoding, to catch clients that skip it");
        HttpResponse<String> publicStyle = codeExchange(Map.of("client_id", server.clientId()), null);
        assertInvalidClient(publicStyle, "is required");
        assertEquals("Basic realm=\"fake-smart\"", publicStyle.headers().firstValue("www-authenticate").orElseThrow());
        assertInvalidClient(codeExchange(Map.of(), rawBasic(server.clientId(), secret)), "is required");
        assertInvalidClient(codeExchange(Map.of("client_secret", secret), basic(server.clientId(), secret)), "body");
        String refreshToken = new JsonObject(codeExchange(Map.of(), basic(server.clientId(), secret)).body())
                .getString("refresh_token");
        assertInvalidClient(refresh(refreshToken), "is required");
        assertEquals(200, tokenRequest(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken),
                basic(server.clientId(), secret)).statusCode(), "a refused attempt left the refresh token valid");

        server.clientAuth(ClientAuth.CLIENT_SECRET_POST).clientSecret("s3cret");
        Map<String, String> posted = Map.of("client_id", server.clientId(), "client_secret", "s3cret");
        assertInvalidClient(codeExchange(posted, basic(server.clientId(), "s3cret")), "exactly one");
        assertEquals(200, codeExchange(posted, null).statusCode());
    }

    @Test
    void privateKeyJwtIsVerifiedAgainstTheJwksFetchedAtEachRequestWithoutBlockingTheServer() throws Exception {
        PublicJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("rsa-1");
        PublicJsonWebKey impostor = RsaJwkGenerator.generateJwk(2048);
        impostor.setKeyId("rsa-1");
        try (JwksHost host = new JwksHost(key)) {
            server.clientAuth(ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(host.url());
            String good = assertion(key, "RS384", c -> {
            });
            HttpResponse<String> login = codeExchange(assertionParams(good), null);
            assertEquals(200, login.statusCode(), login.body());
            assertEquals(server.tokenEndpoint(), server.verifiedClientAssertions().get(0).get("aud"));
            String refreshToken = new JsonObject(login.body()).getString("refresh_token");

            // Each flaw, and the words the refusal must contain: refused for the right reason, not another one.
            long now = NumericDate.now().getValue();
            Map<String, String> flaws = new LinkedHashMap<>();
            flaws.put(good, "replay");
            flaws.put(assertion(key, "RS256", c -> {
            }), "alg must be RS384 or ES384");
            flaws.put(assertion(impostor, "RS384", c -> {
            }), "signature does not verify");
            flaws.put(assertion(key, "RS384", c -> c.setAudience(server.issuer())), "aud must be the token endpoint");
            flaws.put(assertion(key, "RS384", c -> c.setExpirationTime(NumericDate.fromSeconds(now - 1))),
                    "not in the future");
            for (Map.Entry<String, String> flaw : flaws.entrySet()) {
                assertInvalidClient(refreshWithAssertion(refreshToken, flaw.getKey()), flaw.getValue());
            }

            // The JWKS answer is held back: the fake must still serve other requests meanwhile.
            host.holdResponses();
            CompletableFuture<HttpResponse<String>> held = http.sendAsync(formRequest(server.tokenEndpoint(),
                    refreshParams(refreshToken, assertion(key, "RS384", c -> {
                    })), null),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(host.awaitFetch(Duration.ofSeconds(10)), "the fake fetched the client's JWKS");
            assertEquals(200, get(wellKnownUrl(), null).statusCode());
            assertFalse(held.isDone());
            host.releaseResponses();
            assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode(), "no flaw consumed the refresh token");
        }
    }

    // ================================================================== plumbing every test leans on

    @Test
    void bigStreamsAnExactlySizedBundleAndWaitsForASlowReader() throws Exception {
        String accessToken = login(null).getString("access_token");
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(server.fhirBase()
                + "/Observation?_fake=big&mb=32")).version(HttpClient.Version.HTTP_1_1)
                .header("Authorization", "Bearer " + accessToken).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        // Read nothing yet: socket buffers fill and the fake must wait for them to drain, not buffer the body itself
        // (it shares the heap that the proxy's streaming test measures).
        assertTrue(server.awaitBigBundleBackPressure(Duration.ofSeconds(10)), "the writer never waited");
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readAllBytes();
        }
        assertEquals(32 << 20, body.length);
        String start = new String(body, 0, 4096, StandardCharsets.UTF_8);
        assertTrue(start.startsWith("{\"resourceType\":\"Bundle\""), start);
        assertTrue(start.contains("\"fullUrl\":\"" + server.fhirBase() + "/Observation/1\""), start);
        assertEquals("]}", new String(body, body.length - 2, 2, StandardCharsets.UTF_8));
    }

    @Test
    void closeAnswersRequestsThatWereNeverAnswered() throws Exception {
        FakeSmartServer other = FakeSmartServer.start();
        CompletableFuture<HttpResponse<String>> pending;
        try {
            String accessToken = loginOn(other, null).getString("access_token");
            pending = http.sendAsync(HttpRequest.newBuilder(URI.create(other.fhirBase() + "/Observation?_fake=slow"))
                    .version(HttpClient.Version.HTTP_1_1)
                    .header("Authorization", "Bearer " + accessToken).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(other.awaitRequest(r -> r.query().contains("_fake=slow"), Duration.ofSeconds(10)));
        } finally {
            other.close();
        }
        HttpResponse<String> released = pending.get(5, TimeUnit.SECONDS);
        assertEquals(503, released.statusCode(), released.body());
        assertEquals("close", released.headers().firstValue("connection").orElseThrow());
        other.close(); // idempotent
    }

    @Test
    void resetRestoresEveryKnob() throws Exception {
        server.discoveryMode(DiscoveryMode.NOT_JSON).fhirUserAbsolute(true).idTokenWithoutKid(true)
                .idTokenIssuer("https://other.example").omitNonce(true)
                .refreshIdTokenMode(FakeSmartServer.RefreshIdToken.NONE).clientAuth(ClientAuth.CLIENT_SECRET_POST)
                .clientSecret("changed").clientJwksUrl("http://127.0.0.1:1/jwks").tokenEndpointDown(true)
                .refreshTokensRotate(false).accessTokenLifetime(Duration.ZERO).grantsMode(true).grantsPerLaunch(true)
                .tokenFault(FakeSmartServer.TokenFault.SERVER_ERROR).fhirFault(FakeSmartServer.FhirFault.HANG_UP)
                .hangUpOnNextFhirRequests(3).tamperTokenResponses(body -> body.clear())
                .tamperIdTokenClaims(claims -> claims.setSubject("x")).stall("/oauth/jwks")
                .beforeRefreshAnswer(() -> {
                    throw new IllegalStateException("a hook left behind");
                });
        server.reset();

        JsonObject config = new JsonObject(get(wellKnownUrl(), null).body());
        assertEquals(List.of("S256"), config.getJsonArray("code_challenge_methods_supported").getList());
        assertEquals(200, get(server.baseUrl() + "/oauth/jwks", null).statusCode());
        JsonObject tokens = login("n"); // public client, token endpoint up, nothing tampered
        assertEquals(3600, tokens.getInteger("expires_in"));
        String idToken = tokens.getString("id_token");
        assertNotNull(jwtHeader(idToken).getString("kid"));
        JwtClaims claims = verifyIdToken(idToken, server.issuer(), true);
        assertEquals("n", claims.getStringClaimValue("nonce"));
        assertEquals("Practitioner/123", claims.getStringClaimValue("fhirUser"));
        assertEquals("practitioner-123", claims.getSubject());
        assertEquals(200, get(patientUrl(), tokens.getString("access_token")).statusCode());
        JsonObject refreshed = new JsonObject(refresh(tokens.getString("refresh_token")).body());
        assertNotNull(refreshed.getString("refresh_token"), "rotation is back");
        assertEquals(400, refresh(tokens.getString("refresh_token")).statusCode(), "one live refresh token");
        assertTrue(refreshed.containsKey("id_token"));
        assertNotEquals("changed", server.clientSecret());
        assertEquals(0, server.grantsIssued());
    }

    // ================================================================== helpers: tokens

    private static JwtClaims verifyIdToken(String idToken, String issuer, boolean withAudience) throws Exception {
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
        return consumer.build().processToClaims(idToken);
    }

    private static JsonObject jwtHeader(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8));
    }

    /** A client assertion with valid claims, as {@code tweak} leaves them. */
    private static String assertion(PublicJsonWebKey key, String alg, Consumer<JwtClaims> tweak) throws Exception {
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
        jws.setKeyIdHeaderValue(key.getKeyId());
        return jws.getCompactSerialization();
    }

    private static Map<String, String> assertionParams(String assertion) {
        return Map.of("client_assertion_type", ClientAssertionVerifier.ASSERTION_TYPE, "client_assertion", assertion);
    }

    private static Map<String, String> refreshParams(String refreshToken, String assertion) {
        Map<String, String> params = new LinkedHashMap<>(assertionParams(assertion));
        params.putAll(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
        return params;
    }

    private static void assertInvalidClient(HttpResponse<String> response, String reason) {
        assertEquals(401, response.statusCode(), response.body());
        JsonObject error = new JsonObject(response.body());
        assertEquals("invalid_client", error.getString("error"));
        assertTrue(error.getString("error_description").contains(reason), "refused for '" + reason + "': " + error);
    }

    /** RFC 6749 2.3.1: both parts form-urlencoded before they are joined and base64-encoded. */
    private static String basic(String id, String secret) {
        return rawBasic(URLEncoder.encode(id, StandardCharsets.UTF_8), URLEncoder.encode(secret, StandardCharsets.UTF_8));
    }

    private static String rawBasic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    // ================================================================== helpers: OAuth flows

    private static JsonObject login(String nonce) throws Exception {
        return loginOn(server, nonce);
    }

    /** Authorizes and exchanges the code as the public client; the token response. */
    private static JsonObject loginOn(FakeSmartServer s, String nonce) throws Exception {
        String verifier = randomVerifier();
        String code = authorizeOn(s, verifier, nonce).get("code");
        HttpResponse<String> response = post(s.tokenEndpoint(), Map.of("grant_type", "authorization_code",
                "code", code, "redirect_uri", REDIRECT_URI, "code_verifier", verifier, "client_id", s.clientId()));
        assertEquals(200, response.statusCode(), response.body());
        return new JsonObject(response.body());
    }

    private static Map<String, String> authorize(String verifier, String nonce) throws Exception {
        return authorizeOn(server, verifier, nonce);
    }

    /** Runs /authorize and returns the callback's query parameters. */
    private static Map<String, String> authorizeOn(FakeSmartServer s, String verifier, String nonce) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", s.clientId());
        params.put("redirect_uri", REDIRECT_URI);
        params.put("scope", SCOPE);
        params.put("state", "st-1");
        params.put("aud", s.fhirBase());
        params.put("code_challenge", Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII))));
        params.put("code_challenge_method", "S256");
        if (nonce != null) {
            params.put("nonce", nonce);
        }
        HttpResponse<String> response = get(s.baseUrl() + "/oauth/authorize?" + form(params), null);
        assertEquals(302, response.statusCode(), response.body());
        String location = response.headers().firstValue("location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT_URI + "?code="), location);
        return query(location);
    }

    private static HttpResponse<String> exchange(String code, String verifier) throws Exception {
        return post(server.tokenEndpoint(), Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT_URI, "code_verifier", verifier, "client_id", server.clientId()));
    }

    /** A fresh authorization, then its code exchange with the given client authentication. */
    private static HttpResponse<String> codeExchange(Map<String, String> clientParams, String authorization)
            throws Exception {
        String verifier = randomVerifier();
        Map<String, String> params = new LinkedHashMap<>(clientParams);
        params.putAll(Map.of("grant_type", "authorization_code", "code", authorize(verifier, null).get("code"),
                "redirect_uri", REDIRECT_URI, "code_verifier", verifier));
        return tokenRequest(params, authorization);
    }

    private static HttpResponse<String> refresh(String refreshToken) throws Exception {
        return post(server.tokenEndpoint(), Map.of("grant_type", "refresh_token", "refresh_token", refreshToken,
                "client_id", server.clientId()));
    }

    private static HttpResponse<String> refreshWithAssertion(String refreshToken, String assertion) throws Exception {
        return tokenRequest(refreshParams(refreshToken, assertion), null);
    }

    private static HttpResponse<String> tokenRequest(Map<String, String> params, String authorization)
            throws Exception {
        return http.send(formRequest(server.tokenEndpoint(), params, authorization), HttpResponse.BodyHandlers.ofString());
    }

    // ================================================================== helpers: HTTP and FHIR

    private static String wellKnownUrl() {
        return server.fhirBase() + "/.well-known/smart-configuration";
    }

    private static String patientUrl() {
        return server.fhirBase() + "/Patient/" + server.patientId();
    }

    private static JsonArray oauthUris(HttpResponse<String> metadata) {
        JsonObject capabilities = new JsonObject(metadata.body());
        JsonObject extension = capabilities.getJsonArray("rest").getJsonObject(0)
                .getJsonObject("security").getJsonArray("extension").getJsonObject(0);
        assertTrue(extension.getString("url").endsWith("/oauth-uris"));
        return extension.getJsonArray("extension");
    }

    private static String date(JsonArray entries, int index) {
        return entries.getJsonObject(index).getJsonObject("resource").getString("effectiveDateTime");
    }

    private static String link(JsonObject bundle, String relation) {
        for (Object link : bundle.getJsonArray("link")) {
            if (relation.equals(((JsonObject) link).getString("relation"))) {
                return ((JsonObject) link).getString("url");
            }
        }
        throw new AssertionError("no " + relation + " link in " + bundle.getJsonArray("link"));
    }

    private static HttpResponse<String> get(String url, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
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
        return params.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : URI.create(url).getRawQuery().split("&")) {
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

    /** Serves a client's JWK Set (public parts only) over the JDK's HTTP server, and can hold its answers back. */
    private static final class JwksHost implements AutoCloseable {
        private final HttpServer httpServer;
        private final CountDownLatch firstFetch = new CountDownLatch(1);
        private volatile CountDownLatch release = new CountDownLatch(0);

        JwksHost(PublicJsonWebKey key) throws IOException {
            byte[] document = new JsonWebKeySet(List.<JsonWebKey> of(key))
                    .toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY).getBytes(StandardCharsets.UTF_8);
            httpServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            httpServer.createContext("/jwks.json", exchange -> {
                CountDownLatch held = release;
                if (held.getCount() > 0) {
                    firstFetch.countDown();
                }
                try {
                    held.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, document.length);
                exchange.getResponseBody().write(document);
                exchange.close();
            });
            httpServer.start();
        }

        String url() {
            return "http://127.0.0.1:" + httpServer.getAddress().getPort() + "/jwks.json";
        }

        void holdResponses() {
            release = new CountDownLatch(1);
        }

        void releaseResponses() {
            release.countDown();
        }

        boolean awaitFetch(Duration timeout) throws InterruptedException {
            return firstFetch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            httpServer.stop(0);
        }
    }
}
