package org.smartbff.testsupport;

import io.vertx.core.json.JsonObject;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves the fake behaves like the SMART server the integration tests rely on. */
class FakeSmartServerSelfTest {

    private static final String REDIRECT_URI = "http://localhost:8081/callback";
    private static final String SCOPE = "openid fhirUser launch/patient offline_access patient/*.rs";

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

    @Test
    void discoveryAndMetadataDescribeTheServer() throws Exception {
        HttpResponse<String> discovery = get(server.fhirBase() + "/.well-known/smart-configuration", null);
        assertEquals(200, discovery.statusCode());
        assertTrue(discovery.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
        JsonObject config = new JsonObject(discovery.body());
        assertEquals(server.issuer(), config.getString("issuer"));
        assertNotEquals(server.fhirBase(), server.issuer());
        assertEquals(server.baseUrl() + "/oauth/authorize", config.getString("authorization_endpoint"));
        assertEquals(server.baseUrl() + "/oauth/token", config.getString("token_endpoint"));
        assertEquals(server.baseUrl() + "/oauth/jwks", config.getString("jwks_uri"));
        assertEquals(server.baseUrl() + "/oauth/revoke", config.getString("revocation_endpoint"));
        assertTrue(config.getJsonArray("code_challenge_methods_supported").contains("S256"));
        assertTrue(config.getJsonArray("capabilities").contains("permission-v2"));

        HttpResponse<String> metadata = get(server.fhirBase() + "/metadata", null);
        assertEquals(200, metadata.statusCode());
        JsonObject capabilities = new JsonObject(metadata.body());
        assertEquals("CapabilityStatement", capabilities.getString("resourceType"));
        JsonObject oauthUris = capabilities.getJsonArray("rest").getJsonObject(0)
                .getJsonObject("security").getJsonArray("extension").getJsonObject(0);
        assertTrue(oauthUris.getString("url").endsWith("/oauth-uris"));
        assertEquals(3, oauthUris.getJsonArray("extension").size());

        JsonObject jwk = new JsonObject(get(server.baseUrl() + "/oauth/jwks", null).body())
                .getJsonArray("keys").getJsonObject(0);
        assertEquals("RSA", jwk.getString("kty"));
        assertEquals("sig", jwk.getString("use"));
        assertEquals("RS256", jwk.getString("alg"));
        assertNotNull(jwk.getString("kid"));
        assertNull(jwk.getString("d"), "private key material must not be published");

        assertEquals(3, server.requests().size());
        assertEquals(2, server.fhirRequests().size());
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
        assertEquals(1, tokens.getJsonObject("x_vendor").getInteger("a"));
        assertTrue(server.issuedAccessTokens().contains(tokens.getString("access_token")));
        assertEquals(tokens.getString("refresh_token"), server.currentRefreshToken());
        assertEquals(1, server.tokenRequests());

        JwtClaims claims = verifyIdToken(tokens.getString("id_token"));
        assertEquals("nonce-42", claims.getStringClaimValue("nonce"));
        assertEquals("practitioner-123", claims.getSubject());
        assertEquals("Practitioner/123", claims.getStringClaimValue("fhirUser"));

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
        assertFalse(verifyIdToken(second.getString("id_token")).hasClaim("nonce"));
        assertEquals(secondRefresh, server.currentRefreshToken());

        HttpResponse<String> replay = refresh(firstRefresh);
        assertEquals(400, replay.statusCode());
        assertEquals("invalid_grant", new JsonObject(replay.body()).getString("error"));

        assertEquals(1, server.refreshGrants());
        assertEquals(java.util.List.of(firstRefresh, firstRefresh), server.usedRefreshTokens());
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
        HttpResponse<String> badAud = get(authorizeUrl("x", "http://elsewhere/fhir", null), null);
        assertEquals(400, badAud.statusCode());
        assertEquals("invalid_request", new JsonObject(badAud.body()).getString("error"));

        server.denyNextAuthorization("access_denied");
        HttpResponse<String> denied = get(authorizeUrl("x", server.fhirBase() + "/", null), null);
        assertEquals(302, denied.statusCode());
        String location = denied.headers().firstValue("location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT_URI + "?error=access_denied&error_description=The+user+denied"),
                location);
        assertNull(query(location).get("code"));
        assertEquals("st-1", query(location).get("state"));

        // The knob is one-shot.
        assertNotNull(authorize(randomVerifier(), null).get("code"));
    }

    // ------------------------------------------------------------------ helpers

    private JwtClaims verifyIdToken(String idToken) throws Exception {
        JsonWebKeySet jwks = new JsonWebKeySet(get(server.baseUrl() + "/oauth/jwks", null).body());
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks.getJsonWebKeys()))
                .setExpectedIssuer(server.issuer())
                .setExpectedAudience(server.clientId())
                .setRequireExpirationTime()
                .build();
        return consumer.processToClaims(idToken);
    }

    /** Runs /authorize and returns the callback's query parameters. */
    private Map<String, String> authorize(String verifier, String nonce) throws Exception {
        HttpResponse<String> response = get(authorizeUrl(challenge(verifier), server.fhirBase(), nonce), null);
        assertEquals(302, response.statusCode(), response.body());
        String location = response.headers().firstValue("location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT_URI + "?"), location);
        return query(location);
    }

    private String authorizeUrl(String challenge, String aud, String nonce) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", server.clientId());
        params.put("redirect_uri", REDIRECT_URI);
        params.put("scope", SCOPE);
        params.put("state", "st-1");
        params.put("aud", aud);
        params.put("code_challenge", challenge);
        params.put("code_challenge_method", "S256");
        if (nonce != null) {
            params.put("nonce", nonce);
        }
        return server.baseUrl() + "/oauth/authorize?" + form(params);
    }

    private HttpResponse<String> exchange(String code, String verifier) throws Exception {
        return post(server.baseUrl() + "/oauth/token", Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT_URI, "code_verifier", verifier, "client_id", server.clientId()));
    }

    private HttpResponse<String> refresh(String refreshToken) throws Exception {
        return post(server.baseUrl() + "/oauth/token", Map.of("grant_type", "refresh_token",
                "refresh_token", refreshToken, "client_id", server.clientId()));
    }

    private String patientUrl() {
        return server.fhirBase() + "/Patient/" + server.patientId();
    }

    private static HttpResponse<String> get(String url, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, Map<String, String> params) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
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
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String challenge(String verifier) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }
}
