package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The second CSRF check and the framing policy in the default (Lax) mode: calls another origin made are refused
 * whatever cookie they carry, and no site may frame the app.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class SameOriginTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.PublicUrl
    String publicUrl;

    @BeforeEach
    void reset() {
        fake.reset();
    }

    @Test
    void a_fhir_call_whose_origin_is_another_site_is_refused_before_it_reaches_the_server() {
        String cookie = BrowserLogin.login();
        int before = fake.fhirRequests().size();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Origin", "https://evil.example")
                .when().get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(403).contentType("application/fhir+json")
                .body("issue[0].details.coding[0].code", equalTo("cross_origin_request"));
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Origin", "null")
                .when().post("/fhir/Patient").then().statusCode(403);
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Sec-Fetch-Site", "cross-site")
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(403);
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Sec-Fetch-Site", "same-site")
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(403);
        assertEquals(before, fake.fhirRequests().size(), "nothing reached the FHIR server");
    }

    @Test
    void the_apps_own_origin_and_callers_that_name_none_are_served() {
        String cookie = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Origin", publicUrl)
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Sec-Fetch-Site", "same-origin")
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
    }

    @Test
    void a_logout_from_another_origin_is_refused_and_the_session_stays() {
        String cookie = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Origin", "https://evil.example")
                .when().post("/auth/logout")
                .then().statusCode(403).body("error", equalTo("cross_origin_request"));
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(200);
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").header("Origin", publicUrl)
                .when().post("/auth/logout").then().statusCode(204);
    }

    @Test
    void by_default_no_site_may_frame_the_app_and_cookies_are_lax() {
        for (String path : new String[] { "/", "/auth/session", "/auth/launch?iss=" + fake.fhirBase() + "&launch=x" }) {
            Response response = given().redirects().follow(false).when().get(path);
            assertTrue(response.header("Content-Security-Policy").endsWith("; frame-ancestors 'none'"), path);
            // Nobody may frame: the older header says the same to browsers that do not know frame-ancestors.
            assertEquals("DENY", response.header("X-Frame-Options"), path);
        }
        String errorPage = given().when().get("/auth/callback?state=x").header("Content-Security-Policy");
        assertTrue(errorPage.startsWith("default-src 'none';") && errorPage.endsWith("; frame-ancestors 'none'"),
                errorPage);
        Response login = given().redirects().follow(false).when().get("/auth/login");
        String binding = login.header("Set-Cookie");
        assertTrue(binding.contains("SameSite=Lax") && !binding.contains("Partitioned"), binding);
    }
}
