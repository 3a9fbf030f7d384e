package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.smart.FormEncoding;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.LogCapture;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * A whole session (login, context, proxied calls, a refresh, logout, and a failed refresh) with every log line (debug
 * included) and every response the browser gets captured: none may contain a token, code, state, verifier or session id.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class SecretsNeverLeakTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    @Test
    void no_secret_appears_in_any_log_line_or_browser_response() {
        List<String> browserSaw = new ArrayList<>();
        Set<String> secrets = new HashSet<>();
        try (LogCapture logs = LogCapture.install()) {
            BrowserLogin.Started started = BrowserLogin.start();
            // The login redirect carries state and nonce to the authorization server by design; no token exists yet.
            BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
            secrets.add(authorized.code());
            secrets.add(authorized.state());
            secrets.add(FormEncoding.parseQuery(URI.create(started.authorizeUrl()).getRawQuery()).get("nonce"));
            Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
            browserSaw.add(describe(callback));
            String cookie = callback.getCookie(SessionCookies.SESSION);
            secrets.add(cookie);
            secrets.add(started.bindingCookie());

            browserSaw.add(describe(given().cookie(SessionCookies.SESSION, cookie).get("/auth/session")));
            browserSaw.add(describe(given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .get("/fhir/Patient/" + fake.patientId())));
            clock.advance(Duration.ofHours(2));
            browserSaw.add(describe(given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .get("/fhir/Observation?patient=" + fake.patientId())));
            // A replayed callback and a failed refresh produce error paths, which must be as clean.
            browserSaw.add(describe(BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie())));
            secrets.addAll(fake.issuedAccessTokens());
            secrets.addAll(fake.issuedRefreshTokens());
            secrets.addAll(fake.usedRefreshTokens());
            fake.reset();
            clock.advance(Duration.ofHours(2));
            browserSaw.add(describe(given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .get("/fhir/Patient/" + fake.patientId())));
            browserSaw.add(describe(given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .post("/auth/logout")));

            List<String> lines = logs.lines();
            assertTrue(lines.stream().anyMatch(line -> line.contains("Refreshed the access token")),
                    "the capture works, debug lines included: " + lines);
            for (String secret : secrets) {
                assertTrue(secret != null && secret.length() > 10);
                for (String line : lines) {
                    assertFalse(line.contains(secret), "a secret in the log: " + line);
                }
            }
        }
        for (String secret : secrets) {
            for (String response : browserSaw) {
                // The session and binding cookies are meant to reach the browser, in Set-Cookie and nowhere else.
                assertFalse(response.replace("Set-Cookie: " + SessionCookies.SESSION + "=" + secret, "")
                        .replace("Set-Cookie: " + SessionCookies.LAUNCH_BINDING + "=" + secret, "")
                        .contains(secret), "a secret reached the browser: " + response);
            }
        }
    }

    @Test
    void categories_that_print_token_forms_never_log_below_info_even_when_configured_to() {
        // application.properties sets this category to DEBUG in the test profile on purpose.
        assertTrue(Logger.getLogger("io.quarkus.oidc.client.runtime").getLevel().intValue() >= Level.INFO.intValue());
    }

    private static String describe(Response response) {
        StringBuilder all = new StringBuilder();
        response.headers().forEach(header -> all.append(header.getName()).append(": ").append(header.getValue()).append('\n'));
        return all.append(response.asString()).toString();
    }
}
