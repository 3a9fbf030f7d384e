package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.EmbeddedProfile;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** The embedded cookie mode and the framing policy built from a server's EHR origins. */
@QuarkusTest
@TestProfile(EmbeddedProfile.class)
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class EmbeddedModeTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @BeforeEach
    void reset() {
        fake.reset();
    }

    @Test
    void every_cookie_is_samesite_none_secure_partitioned() {
        BrowserLogin.Started started = BrowserLogin.start();
        String binding = started.response().header("Set-Cookie");
        assertTrue(binding.startsWith(SessionCookies.LAUNCH_BINDING + "="), binding);
        assertCookieIsEmbedded(binding);

        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
        assertEquals(302, callback.statusCode());
        List<String> cookies = callback.headers().getValues("Set-Cookie");
        assertEquals(2, cookies.size(), cookies.toString());
        cookies.forEach(EmbeddedModeTest::assertCookieIsEmbedded);

        Response logout = given().cookie(SessionCookies.SESSION, callback.getCookie(SessionCookies.SESSION))
                .header("X-CSRF", "1").when().post("/auth/logout");
        assertEquals(204, logout.statusCode());
        assertCookieIsEmbedded(logout.header("Set-Cookie"));
    }

    private static void assertCookieIsEmbedded(String setCookie) {
        assertTrue(setCookie.contains("; Secure") && setCookie.contains("; HttpOnly")
                && setCookie.contains("; SameSite=None; Partitioned") && !setCookie.contains("Lax"), setCookie);
    }

    @Test
    void the_configured_ehr_origin_may_frame_the_app_and_its_servers_launch_page() {
        for (String path : new String[] { "/", "/index.html", "/auth/callback?state=x",
                "/auth/launch?iss=" + fake.fhirBase() + "&launch=x" }) {
            Response response = given().redirects().follow(false).when().get(path);
            String policy = response.header("Content-Security-Policy");
            assertTrue(policy.endsWith("frame-ancestors " + EmbeddedProfile.ehrOrigin())
                    && policy.indexOf("frame-ancestors") == policy.lastIndexOf("frame-ancestors"), path + ": " + policy);
            assertNull(response.header("X-Frame-Options"), path);
        }
    }
}
