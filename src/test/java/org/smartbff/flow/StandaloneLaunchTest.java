package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.smart.FormEncoding;
import org.smartbff.smart.Pkce;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class StandaloneLaunchTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @SmartTestResource.PublicUrl
    String publicUrl;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    @Test
    void login_redirects_to_the_authorization_endpoint_with_every_smart_parameter() {
        BrowserLogin.Started started = BrowserLogin.start();
        URI location = URI.create(started.authorizeUrl());
        assertEquals(fake.baseUrl() + "/oauth/authorize",
                location.getScheme() + "://" + location.getAuthority() + location.getPath());
        Map<String, String> params = FormEncoding.parseQuery(location.getRawQuery());
        assertEquals("code", params.get("response_type"));
        assertEquals(fake.clientId(), params.get("client_id"));
        assertEquals(publicUrl + "/auth/callback", params.get("redirect_uri"));
        assertEquals("openid fhirUser launch/patient patient/*.rs offline_access", params.get("scope"));
        assertEquals(fake.fhirBase(), params.get("aud"));
        assertEquals("S256", params.get("code_challenge_method"));
        assertTrue(params.get("state").matches("[A-Za-z0-9_-]{43}"), "state is 256 random bits");
        assertTrue(params.get("nonce").matches("[A-Za-z0-9_-]{43}"), "nonce is sent because openid is requested");
        assertTrue(params.get("code_challenge").matches("[A-Za-z0-9_-]{43}"), "S256 challenge is a base64url SHA-256");
        assertFalse(params.containsKey("launch"), "a standalone launch has no launch parameter");
    }

    @Test
    void each_login_uses_fresh_state_nonce_and_challenge() {
        Map<String, String> first = FormEncoding.parseQuery(URI.create(BrowserLogin.start().authorizeUrl()).getRawQuery());
        Map<String, String> second = FormEncoding.parseQuery(URI.create(BrowserLogin.start().authorizeUrl()).getRawQuery());
        assertFalse(first.get("state").equals(second.get("state")));
        assertFalse(first.get("nonce").equals(second.get("nonce")));
        assertFalse(first.get("code_challenge").equals(second.get("code_challenge")));
    }

    @Test
    void login_sets_a_short_lived_host_only_httponly_binding_cookie() {
        String setCookie = BrowserLogin.start().response().header("Set-Cookie");
        assertTrue(setCookie.startsWith(SessionCookies.LAUNCH_BINDING + "="), setCookie);
        assertTrue(setCookie.contains("; Path=/"), setCookie);
        assertTrue(setCookie.contains("; Secure"), setCookie);
        assertTrue(setCookie.contains("; HttpOnly"), setCookie);
        assertTrue(setCookie.contains("; SameSite=Lax"), setCookie);
        assertTrue(setCookie.contains("; Max-Age=600"), setCookie);
        assertFalse(setCookie.contains("Domain"), setCookie);
    }

    @Test
    void callback_creates_a_session_cookie_and_redirects_to_the_app() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());

        assertEquals(302, callback.statusCode());
        assertEquals("/", URI.create(callback.header("Location")).getPath());
        List<String> cookies = callback.headers().getValues("Set-Cookie");
        String session = cookies.stream().filter(c -> c.startsWith(SessionCookies.SESSION + "=")).findFirst().orElseThrow();
        assertTrue(session.matches(SessionCookies.SESSION + "=[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Lax.*"),
                session);
        assertTrue(
                cookies.stream().anyMatch(c -> c.startsWith(SessionCookies.LAUNCH_BINDING + "=;") && c.contains("Max-Age=0")),
                "the binding cookie is cleared: " + cookies);
        assertEquals("no-referrer", callback.header("Referrer-Policy"));
    }

    @Test
    void the_code_is_exchanged_with_the_pkce_verifier_of_the_challenge() {
        BrowserLogin.Started started = BrowserLogin.start();
        String challenge = FormEncoding.parseQuery(URI.create(started.authorizeUrl()).getRawQuery()).get("code_challenge");
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());

        FakeSmartServer.RecordedRequest token = fake.requests().stream()
                .filter(r -> r.path().equals("/oauth/token")).findFirst().orElseThrow();
        Map<String, String> form = FormEncoding.parseQuery(token.body());
        assertEquals("authorization_code", form.get("grant_type"));
        assertEquals(challenge, Pkce.challengeOf(form.get("code_verifier")));
        assertEquals(publicUrl + "/auth/callback", form.get("redirect_uri"));
        assertEquals(fake.clientId(), form.get("client_id"));
    }

    @Test
    void session_shows_identity_and_launch_context_but_no_token() {
        String cookie = BrowserLogin.login();
        String body = given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session")
                .then().statusCode(200)
                .body("server", equalTo("fake"))
                .body("fhirUser", equalTo("Practitioner/123"))
                .body("fhirUserType", equalTo("Practitioner"))
                .body("name", equalTo("Dr. Test Example"))
                .body("patient", equalTo(fake.patientId()))
                .body("encounter", equalTo("enc-1"))
                .body("need_patient_banner", equalTo(true))
                .body("fhirContext[0].reference", equalTo("Encounter/enc-1"))
                .body("tenant", equalTo("t1"))
                .body("extensions.x_vendor.a", equalTo(1))
                .body("scopes", hasItem("patient/*.rs"))
                .body("offline", equalTo(true))
                .body("expires_at", not(equalTo(null)))
                .extract().asString();
        for (String token : fake.issuedAccessTokens()) {
            assertFalse(body.contains(token));
        }
        for (String token : fake.issuedRefreshTokens()) {
            assertFalse(body.contains(token));
        }
        assertFalse(body.contains("id_token") || body.contains("eyJ"), "no id token either: " + body);
    }

    @Test
    void session_without_a_cookie_is_401_json() {
        given().when().get("/auth/session").then().statusCode(401)
                .contentType(containsString("application/json"))
                .body("error", equalTo("no_session"));
    }

    @Test
    void session_with_an_unknown_cookie_is_401_json() {
        given().cookie(SessionCookies.SESSION, "A".repeat(43)).when().get("/auth/session").then().statusCode(401)
                .body("error", equalTo("no_session"));
    }

    @Test
    void a_replayed_state_is_rejected_and_creates_no_second_session() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        assertEquals(302, BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie()).statusCode());

        Response replay = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
        assertEquals(400, replay.statusCode());
        assertTrue(replay.asString().contains("invalid_state"), replay.asString());
        assertNull(replay.getCookie(SessionCookies.SESSION));
        assertEquals(1, fake.tokenRequests(), "the replayed code never reaches the token endpoint");
    }

    @Test
    void a_callback_without_the_binding_cookie_is_rejected_before_any_token_request() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        Response callback = BrowserLogin.callback(authorized.callbackParams(), null);
        assertEquals(400, callback.statusCode());
        assertTrue(callback.asString().contains("launch_binding_mismatch"));
        assertEquals(0, fake.tokenRequests());
    }

    @Test
    void a_callback_with_another_browsers_binding_cookie_is_rejected() {
        BrowserLogin.Started victim = BrowserLogin.start();
        BrowserLogin.Started attacker = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(victim.authorizeUrl());
        Response callback = BrowserLogin.callback(authorized.callbackParams(), attacker.bindingCookie());
        assertEquals(400, callback.statusCode());
        assertEquals(0, fake.tokenRequests());
    }

    @Test
    void a_denied_authorization_shows_a_clear_page_and_stores_nothing() {
        fake.denyNextAuthorization("access_denied");
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        Response callback = given().redirects().follow(false).cookie(SessionCookies.LAUNCH_BINDING, started.bindingCookie())
                .accept("text/html").when().get("/auth/callback?" + FormEncoding.query(authorized.callbackParams()));
        assertEquals(403, callback.statusCode());
        assertTrue(callback.contentType().startsWith("text/html"));
        assertTrue(callback.asString().contains("Access was not granted"), callback.asString());
        assertFalse(callback.asString().contains("Exception"));
        assertNull(callback.getCookie(SessionCookies.SESSION));
        assertEquals(0, fake.tokenRequests());
        // The state was consumed with the error: it cannot be reused with a code afterwards.
        Map<String, String> forged = new HashMap<>(Map.of("state", authorized.state(), "code", "forged"));
        assertEquals(400, BrowserLogin.callback(forged, started.bindingCookie()).statusCode());
    }

    @Test
    void an_oauth_error_is_json_for_a_fetch() {
        fake.denyNextAuthorization("invalid_scope");
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        given().redirects().follow(false).cookie(SessionCookies.LAUNCH_BINDING, started.bindingCookie())
                .accept("application/json").when().get("/auth/callback?" + FormEncoding.query(authorized.callbackParams()))
                .then().statusCode(400).body("error", equalTo("invalid_scope"))
                .body("error_description", containsString("scopes"));
    }

    @Test
    void a_callback_without_state_is_400() {
        given().redirects().follow(false).when().get("/auth/callback?code=abc").then().statusCode(400)
                .body(containsString("invalid_request"));
    }

    @Test
    void return_to_must_be_a_local_path() {
        for (String target : List.of("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)")) {
            given().redirects().follow(false).queryParam("return_to", target).when().get("/auth/login")
                    .then().statusCode(400).body(containsString("invalid_return_to"));
        }
        assertEquals(0, fake.requests().stream().filter(r -> r.path().startsWith("/oauth")).count());
    }

    @Test
    void a_local_return_to_is_where_the_callback_goes() {
        Response login = given().redirects().follow(false).queryParam("return_to", "/chart?tab=labs").when().get("/auth/login");
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(login.header("Location"));
        Response callback = BrowserLogin.callback(authorized.callbackParams(), login.getCookie(SessionCookies.LAUNCH_BINDING));
        // The fragment carries the tab's launch handle (see MultipleLaunchesTest); the path and query are the app's.
        assertEquals("/chart?tab=labs", callback.header("Location").replaceFirst("^https?://[^/]+", "")
                .replaceFirst("#smart-bff-launch=[A-Za-z0-9_-]{80}$", ""));
    }

    @Test
    void an_unknown_server_name_is_400_and_nothing_is_fetched() {
        int before = fake.requests().size();
        given().redirects().follow(false).queryParam("server", "nope").when().get("/auth/login")
                .then().statusCode(400).body(containsString("unknown_server"));
        assertEquals(before, fake.requests().size());
    }

    @Test
    void logout_requires_the_csrf_header() {
        String cookie = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, cookie).when().post("/auth/logout").then().statusCode(403)
                .body("error", equalTo("csrf_header_missing"));
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(200);
    }

    @Test
    void logout_revokes_the_refresh_token_at_the_server() {
        String cookie = BrowserLogin.login();
        String refreshToken = fake.currentRefreshToken();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").when().post("/auth/logout").then().statusCode(204);
        assertNull(fake.currentRefreshToken(), "the grant is revoked");
        List<Map<String, String>> revocations = fake.requests().stream().filter(r -> r.path().equals("/oauth/revoke"))
                .map(r -> FormEncoding.parseQuery(r.body())).toList();
        assertEquals(refreshToken, revocations.get(0).get("token"));
        assertEquals("refresh_token", revocations.get(0).get("token_type_hint"));
        assertEquals(2, revocations.size(), "the access token too");
    }

    @Test
    void logout_deletes_the_session_and_expires_the_cookie() {
        String cookie = BrowserLogin.login();
        Response logout = given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").when().post("/auth/logout");
        assertEquals(204, logout.statusCode());
        String setCookie = logout.header("Set-Cookie");
        assertNotNull(setCookie);
        assertTrue(setCookie.startsWith(SessionCookies.SESSION + "=;") && setCookie.contains("Max-Age=0"), setCookie);
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").when().get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(401);
    }
}
