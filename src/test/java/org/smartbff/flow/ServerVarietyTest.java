package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.smart.FormEncoding;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;
import org.smartbff.testsupport.fake.FakeSmartServer.ClientAuth;
import org.smartbff.testsupport.fake.FakeSmartServer.DiscoveryMode;
import org.smartbff.testsupport.fake.FakeSmartServer.RefreshIdToken;
import org.smartbff.token.RefreshPolicy;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** The BFF against the variety of SMART servers hospitals run: discovery, client authentication, id tokens, launches. */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class ServerVarietyTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.PublicUrl
    String publicUrl;

    @Inject
    MutableClock clock;

    @Inject
    SmartDiscovery discovery;

    @Inject
    SmartServers servers;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
        for (String name : new String[] { "fake", "fake-basic", "fake-post", "fake-rs384", "fake-es384" }) {
            discovery.forget(servers.byName(name).orElseThrow());
        }
    }

    private Response proxiedRead(String cookie) {
        return given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").when()
                .get("/fhir/Patient/" + fake.patientId());
    }

    // --- discovery ---------------------------------------------------------------------------------------------------

    @Test
    void a_server_without_well_known_is_discovered_from_its_capability_statement() {
        fake.discoveryMode(DiscoveryMode.METADATA_ONLY);
        proxiedRead(BrowserLogin.login()).then().statusCode(200);
        assertEquals(1, fake.discoveryRequests());
        assertEquals(1, fake.metadataRequests());
    }

    @Test
    void a_well_known_that_is_not_json_falls_back_to_the_capability_statement() {
        fake.discoveryMode(DiscoveryMode.NOT_JSON);
        proxiedRead(BrowserLogin.login()).then().statusCode(200);
        assertEquals(1, fake.metadataRequests());
    }

    @Test
    void relative_endpoint_urls_are_resolved_against_the_fhir_base() {
        fake.discoveryMode(DiscoveryMode.RELATIVE_ENDPOINTS);
        BrowserLogin.Started started = BrowserLogin.start();
        assertTrue(started.authorizeUrl().startsWith(fake.baseUrl() + "/oauth/authorize?"), started.authorizeUrl());
        proxiedRead(BrowserLogin.login()).then().statusCode(200);
    }

    @Test
    void a_server_without_pkce_s256_is_refused_with_a_clear_message() {
        fake.discoveryMode(DiscoveryMode.NO_S256);
        given().redirects().follow(false).accept("application/json").when().get("/auth/login")
                .then().statusCode(502).body("error", equalTo("discovery_failed"))
                .body("error_description", containsString("PKCE S256"));
        assertEquals(0, fake.requests().stream().filter(r -> r.path().startsWith("/oauth")).count());
    }

    @Test
    void discovery_is_cached() {
        BrowserLogin.login();
        BrowserLogin.login();
        assertEquals(1, fake.discoveryRequests());
    }

    // --- client authentication -----------------------------------------------------------------------------------------

    @Test
    void client_secret_basic_is_used_for_the_code_exchange_and_the_refresh() {
        fake.clientAuth(ClientAuth.CLIENT_SECRET_BASIC).clientSecret(SmartTestResource.CLIENT_SECRET);
        loginReadRefreshRead("fake-basic");
    }

    @Test
    void client_secret_post_is_used_for_the_code_exchange_and_the_refresh() {
        fake.clientAuth(ClientAuth.CLIENT_SECRET_POST).clientSecret(SmartTestResource.CLIENT_SECRET);
        loginReadRefreshRead("fake-post");
    }

    @Test
    void private_key_jwt_rs384_assertions_verify_against_the_published_jwks() {
        fake.clientAuth(ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(publicUrl + "/.well-known/jwks.json");
        loginReadRefreshRead("fake-rs384");
        assertEquals(2, fake.verifiedClientAssertions().size(), "code exchange and refresh");
        for (Map<String, Object> assertion : fake.verifiedClientAssertions()) {
            assertEquals("RS384", assertion.get("alg"));
            assertEquals("rsa-new", assertion.get("kid"), "the newest RSA key signs");
            assertEquals(fake.clientId(), assertion.get("iss"));
            assertEquals(fake.clientId(), assertion.get("sub"));
            assertEquals(fake.tokenEndpoint(), String.valueOf(assertion.get("aud")).replaceAll("^\\[|\\]$", ""));
            long lifetime = ((Number) assertion.get("exp")).longValue() - ((Number) assertion.get("iat")).longValue();
            assertTrue(lifetime > 0 && lifetime <= 300, "exp within five minutes: " + lifetime);
        }
        assertNotEquals(fake.verifiedClientAssertions().get(0).get("jti"), fake.verifiedClientAssertions().get(1).get("jti"));
    }

    @Test
    void private_key_jwt_es384_assertions_verify_against_the_published_jwks() {
        fake.clientAuth(ClientAuth.PRIVATE_KEY_JWT).clientJwksUrl(publicUrl + "/.well-known/jwks.json");
        loginReadRefreshRead("fake-es384");
        assertEquals("ES384", fake.verifiedClientAssertions().get(0).get("alg"));
        assertEquals("ec-1", fake.verifiedClientAssertions().get(0).get("kid"));
    }

    @Test
    void a_confidential_client_with_the_wrong_method_is_refused_by_the_server() {
        fake.clientAuth(ClientAuth.CLIENT_SECRET_BASIC).clientSecret(SmartTestResource.CLIENT_SECRET);
        BrowserLogin.Started started = BrowserLogin.start("fake");
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
        assertEquals(400, callback.statusCode());
        assertTrue(callback.asString().contains("invalid_client"), callback.asString());
    }

    private void loginReadRefreshRead(String server) {
        String cookie = BrowserLogin.login(server);
        proxiedRead(cookie).then().statusCode(200);
        clock.advance(Duration.ofHours(2));
        proxiedRead(cookie).then().statusCode(200);
        assertEquals(1, fake.refreshGrants());
    }

    // --- id tokens -------------------------------------------------------------------------------------------------------

    @Test
    void an_id_token_without_kid_verifies_against_a_single_key_jwks() {
        fake.idTokenWithoutKid(true);
        proxiedRead(BrowserLogin.login()).then().statusCode(200);
    }

    @Test
    void an_id_token_issuer_on_the_token_endpoints_origin_is_accepted() {
        // The public SMART launcher discovers {base}/fhir but signs as {base}/auth/fhir.
        fake.idTokenIssuer(fake.baseUrl() + "/auth/fhir");
        proxiedRead(BrowserLogin.login()).then().statusCode(200);
    }

    @Test
    void an_id_token_from_another_origin_is_refused() {
        fake.idTokenIssuer("https://other-issuer.example/oauth");
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
        assertEquals(400, callback.statusCode());
        assertTrue(callback.asString().contains("invalid_id_token"), callback.asString());
    }

    @Test
    void an_id_token_without_nonce_is_accepted_since_pkce_binds_the_code() {
        fake.omitNonce(true);
        proxiedRead(BrowserLogin.login()).then().statusCode(200);
    }

    @Test
    void an_absolute_fhir_user_is_kept_with_its_type() {
        fake.fhirUserAbsolute(true);
        given().cookie(SessionCookies.SESSION, BrowserLogin.login()).when().get("/auth/session").then().statusCode(200)
                .body("fhirUser", equalTo(fake.fhirBase() + "/Practitioner/123"))
                .body("fhirUserType", equalTo("Practitioner"));
    }

    @Test
    void a_refreshed_id_token_without_aud_and_nonce_is_accepted_for_the_same_user() {
        fake.refreshIdTokenMode(RefreshIdToken.WITHOUT_AUD_AND_NONCE);
        String cookie = BrowserLogin.login();
        clock.advance(Duration.ofHours(2));
        proxiedRead(cookie).then().statusCode(200);
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(200)
                .body("fhirUser", equalTo("Practitioner/123"));
    }

    @Test
    void a_refreshed_id_token_for_another_user_ends_the_session() {
        fake.refreshIdTokenMode(RefreshIdToken.OTHER_SUBJECT);
        String cookie = BrowserLogin.login();
        clock.advance(Duration.ofHours(2));
        proxiedRead(cookie).then().statusCode(401).body("issue[0].details.coding[0].code", equalTo("session_expired"));
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
    }

    @Test
    void a_refresh_without_a_new_id_token_keeps_the_identity() {
        fake.refreshIdTokenMode(RefreshIdToken.NONE);
        String cookie = BrowserLogin.login();
        clock.advance(Duration.ofHours(2));
        proxiedRead(cookie).then().statusCode(200);
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().body("fhirUser",
                equalTo("Practitioner/123"));
    }

    // --- refresh tokens ------------------------------------------------------------------------------------------------

    @Test
    void a_server_that_does_not_rotate_refresh_tokens_keeps_the_old_one_working() {
        fake.refreshTokensRotate(false);
        String cookie = BrowserLogin.login();
        String refreshToken = fake.currentRefreshToken();
        clock.advance(Duration.ofHours(2));
        proxiedRead(cookie).then().statusCode(200);
        clock.advance(Duration.ofHours(2));
        proxiedRead(cookie).then().statusCode(200);
        assertEquals(List.of(refreshToken, refreshToken), fake.usedRefreshTokens());
    }

    @Test
    void an_unreachable_token_endpoint_keeps_the_session_and_answers_503() {
        String cookie = BrowserLogin.login();
        clock.advance(Duration.ofHours(2));
        fake.tokenEndpointDown(true);
        proxiedRead(cookie).then().statusCode(503).body("issue[0].details.coding[0].code",
                equalTo("token_refresh_unavailable"));
        fake.tokenEndpointDown(false);
        // The failed refresh pauses the next attempt (RefreshPolicy); after the pause the session recovers.
        clock.advance(RefreshPolicy.FIRST_PAUSE);
        proxiedRead(cookie).then().statusCode(200);
    }

    @Test
    void an_unreachable_token_endpoint_at_the_callback_is_a_clear_502_page() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        fake.tokenEndpointDown(true);
        Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
        assertEquals(502, callback.statusCode());
        assertTrue(callback.asString().contains("token_endpoint_unavailable"));
    }

    // --- EHR launch ------------------------------------------------------------------------------------------------------

    @Test
    void an_ehr_launch_ends_in_a_session_with_the_launch_patient_and_encounter() {
        String launch = fake.issueLaunchId("pat-77", "enc-9");
        Response response = given().redirects().follow(false).queryParam("iss", fake.fhirBase() + "/")
                .queryParam("launch", launch).when().get("/auth/launch");
        assertEquals(302, response.statusCode(), response.asString());
        Map<String, String> params = FormEncoding.parseQuery(URI.create(response.header("Location")).getRawQuery());
        assertEquals(launch, params.get("launch"));
        assertTrue(params.get("scope").startsWith("launch "), params.get("scope"));
        assertEquals(fake.fhirBase(), params.get("aud"));

        BrowserLogin.Authorized authorized = BrowserLogin.authorize(response.header("Location"));
        Response callback = BrowserLogin.callback(authorized.callbackParams(),
                response.getCookie(SessionCookies.LAUNCH_BINDING));
        assertEquals(302, callback.statusCode(), callback.asString());
        given().cookie(SessionCookies.SESSION, callback.getCookie(SessionCookies.SESSION)).when().get("/auth/session")
                .then().statusCode(200).body("patient", equalTo("pat-77")).body("encounter", equalTo("enc-9"));
    }

    @Test
    void an_online_session_gets_a_browser_session_cookie() {
        String launch = fake.issueLaunchId("pat-77", null);
        Response response = given().redirects().follow(false).queryParam("iss", fake.fhirBase())
                .queryParam("launch", launch).when().get("/auth/launch");
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(response.header("Location"));
        Response callback = BrowserLogin.callback(authorized.callbackParams(),
                response.getCookie(SessionCookies.LAUNCH_BINDING));
        String setCookie = callback.headers().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(SessionCookies.SESSION + "=")).findFirst().orElseThrow();
        assertTrue(!setCookie.contains("Max-Age"), "online_access: no persistent cookie: " + setCookie);
    }
}
