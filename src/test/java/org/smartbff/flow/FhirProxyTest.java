package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class FhirProxyTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    /** What reached the FHIR server through the proxy (discovery, which the BFF does itself, left out). */
    private List<FakeSmartServer.RecordedRequest> proxied() {
        return fake.fhirRequests().stream().filter(r -> !r.path().contains("/.well-known/")).toList();
    }

    private static RequestSpecification spa(String cookie) {
        return given().redirects().follow(false).cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1");
    }

    @Test
    void a_call_without_the_csrf_header_is_403_and_never_forwarded() {
        String cookie = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, cookie).when().get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(403)
                .contentType(containsString("application/fhir+json"))
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].code", equalTo("forbidden"))
                .body("issue[0].details.coding[0].code", equalTo("csrf_header_missing"));
        assertTrue(proxied().isEmpty());
    }

    @Test
    void a_call_without_a_session_is_401_operation_outcome() {
        given().header("X-CSRF", "1").when().get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(401)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].code", equalTo("login"))
                .body("issue[0].details.coding[0].code", equalTo("no_session"));
        assertTrue(proxied().isEmpty());
    }

    @Test
    void a_read_is_forwarded_with_the_bearer_token_and_without_browser_credentials() {
        String cookie = BrowserLogin.login();
        spa(cookie).header("Authorization", "Bearer from-the-browser").header("Accept", "application/fhir+json")
                .when().get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(200)
                .contentType(containsString("application/fhir+json"))
                .header("ETag", equalTo("W/\"1\""))
                .body("resourceType", equalTo("Patient"))
                .body("id", equalTo(fake.patientId()));

        FakeSmartServer.RecordedRequest upstream = proxied().get(0);
        assertEquals("/fhir/Patient/" + fake.patientId(), upstream.path());
        String authorization = upstream.header("authorization");
        assertTrue(fake.issuedAccessTokens().contains(authorization.substring("Bearer ".length())), authorization);
        assertNull(upstream.header("cookie"), "the browser's cookies stay at the BFF");
        assertNull(upstream.header("x-csrf"));
        assertEquals("application/fhir+json", upstream.header("accept"));
    }

    @Test
    void the_upstreams_set_cookie_never_reaches_the_browser() {
        String cookie = BrowserLogin.login();
        Response response = spa(cookie).when().get("/fhir/Patient/" + fake.patientId());
        assertEquals(200, response.statusCode());
        assertNull(response.header("Set-Cookie"));
    }

    @Test
    void a_search_is_forwarded_with_its_query() {
        String cookie = BrowserLogin.login();
        spa(cookie).when().get("/fhir/Observation?patient=" + fake.patientId() + "&category=vital-signs&_count=50")
                .then().statusCode(200)
                .body("resourceType", equalTo("Bundle"))
                .body("type", equalTo("searchset"));
        FakeSmartServer.RecordedRequest upstream = proxied().get(0);
        assertEquals("/fhir/Observation", upstream.path());
        assertEquals("patient=" + fake.patientId() + "&category=vital-signs&_count=50", upstream.query());
    }

    @Test
    void a_small_rewritten_body_is_sent_whole_with_its_new_length() {
        String cookie = BrowserLogin.login();
        Response response = spa(cookie).when().get("/fhir/Observation?patient=" + fake.patientId());
        assertEquals(200, response.statusCode());
        byte[] body = response.asByteArray();
        String text = new String(body, StandardCharsets.UTF_8);
        assertTrue(body.length > 50_000, "the ~60 KB searchset: " + body.length);
        assertEquals(String.valueOf(body.length), response.header("Content-Length"), "the length after rewriting");
        assertNull(response.header("Transfer-Encoding"));
        assertFalse(text.contains(fake.fhirBase()), "no URL of the FHIR server is left");
        assertTrue(text.contains("/fhir/Observation/"), "its URLs now point at the BFF");
        assertEquals("Bundle", response.jsonPath().getString("resourceType"));
    }

    @Test
    void an_upstream_error_passes_through_as_it_is() {
        String cookie = BrowserLogin.login();
        spa(cookie).when().get("/fhir/Observation/unknown-id")
                .then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void traversal_out_of_the_fhir_base_is_refused_and_never_forwarded() {
        String cookie = BrowserLogin.login();
        for (String path : List.of("/fhir/Patient/%2e%2e/%2e%2e/oauth/token", "/fhir/Patient%2F..%2F..%2Foauth",
                "/fhir/Patient/%5c..%5coauth", "/fhir/Patient/%00", "/fhir/Patient/.%2e/.%2e/oauth")) {
            int status = spa(cookie).urlEncodingEnabled(false).when().get(path).statusCode();
            assertTrue(status == 400 || status == 404, path + " answered " + status);
        }
        assertTrue(proxied().isEmpty(), "nothing was forwarded: " + proxied());
    }

    @Test
    void an_expired_access_token_is_refreshed_before_forwarding_and_the_rotated_refresh_token_is_kept() {
        String cookie = BrowserLogin.login();
        String firstRefreshToken = fake.currentRefreshToken();
        clock.advance(Duration.ofHours(2));

        spa(cookie).when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);

        assertEquals(1, fake.refreshGrants());
        assertEquals(List.of(firstRefreshToken), fake.usedRefreshTokens());
        String rotated = fake.currentRefreshToken();
        assertNotEquals(firstRefreshToken, rotated);
        String usedAccessToken = proxied().get(0).header("authorization").substring("Bearer ".length());
        assertEquals(2, fake.issuedAccessTokens().size());

        // A second expiry uses the rotated refresh token, never the first one again.
        clock.advance(Duration.ofHours(2));
        spa(cookie).when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        assertEquals(List.of(firstRefreshToken, rotated), fake.usedRefreshTokens());
        String secondAccessToken = proxied().get(1).header("authorization").substring("Bearer ".length());
        assertNotEquals(usedAccessToken, secondAccessToken);
    }

    @Test
    void a_token_about_to_expire_is_served_while_a_proactive_refresh_runs() {
        String cookie = BrowserLogin.login();
        String first = fake.issuedAccessTokens().iterator().next();
        // Inside the 60 s skew, not yet expired: the call must not wait for the refresh.
        clock.advance(Duration.ofSeconds(3600 - 30));
        spa(cookie).when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        assertEquals("Bearer " + first, proxied().get(0).header("authorization"), "served with the still-valid token");

        // Past the expiry: whatever the proactive refresh did, one refresh in all, and the new token is used.
        clock.advance(Duration.ofSeconds(60));
        spa(cookie).when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        assertEquals(1, fake.refreshGrants());
        assertNotEquals("Bearer " + first, proxied().get(1).header("authorization"));
    }

    @Test
    void a_valid_access_token_is_not_refreshed() {
        String cookie = BrowserLogin.login();
        spa(cookie).when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        spa(cookie).when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        assertEquals(0, fake.refreshGrants());
        assertEquals(1, fake.tokenRequests());
    }

    @Test
    void a_rejected_refresh_ends_the_session_with_session_expired() {
        String cookie = BrowserLogin.login();
        fake.reset(); // revokes every token: the next refresh gets invalid_grant
        clock.advance(Duration.ofHours(2));

        spa(cookie).when().get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(401)
                .body("issue[0].details.coding[0].code", equalTo("session_expired"));
        assertTrue(proxied().isEmpty());
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
    }

    @Test
    void a_session_past_its_absolute_timeout_is_gone() {
        String cookie = BrowserLogin.login();
        clock.advance(Duration.ofHours(13));
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
    }
}
