package org.smartbff.hostile;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.observe.Audit;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.LogCapture;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A SMART server that sends launch context, identity or tokens that break their grammar or size: no session is made
 * (no session cookie, a clear 502 page), a metric counts it and an audit line names the server; at refresh the
 * session ends instead of taking any of it in.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class HostileServerDataTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    private static final String BIG = "x".repeat(200 * 1024);

    /** Each hostile token response, by the member the refusal must name. */
    private static Map<String, Consumer<JsonObject>> hostileTokenResponses() {
        Map<String, Consumer<JsonObject>> cases = new LinkedHashMap<>();
        cases.put("patient", body -> body.put("patient", "../../Practitioner/x"));
        cases.put("encounter", body -> body.put("encounter", "<script>alert(1)</script>"));
        cases.put("fhirContext",
                body -> body.put("fhirContext", new JsonArray().add(new JsonObject().put("reference", "../Encounter/1"))));
        cases.put("need_patient_banner", body -> body.put("need_patient_banner", "yes"));
        cases.put("smart_style_url", body -> body.put("smart_style_url", "javascript:alert(document.cookie)"));
        cases.put("tenant", body -> body.put("tenant", "t1\r\nSet-Cookie: x=1"));
        cases.put("intent", body -> body.put("intent", "i".repeat(300)));
        cases.put("context", body -> body.put("x_vendor", "v".repeat(20 * 1024)));
        cases.put("access_token", body -> body.put("access_token", "a".repeat(17 * 1024)));
        cases.put("expires_in", body -> body.put("expires_in", -5));
        cases.put("token_response", body -> body.put("x_padding", BIG));
        return cases;
    }

    /** Each hostile id token, by the claim the refusal must name. */
    private static Map<String, Consumer<JwtClaims>> hostileIdTokens() {
        Map<String, Consumer<JwtClaims>> cases = new LinkedHashMap<>();
        cases.put("fhirUser", claims -> claims.setClaim("fhirUser", "javascript:alert(document.cookie)//Practitioner/1"));
        cases.put("name", claims -> claims.setClaim("name", "Dr. Evil\u202Eoh"));
        cases.put("sub", claims -> claims.setSubject("s".repeat(300)));
        // 20 KB of claim: the id token passes the token response's bound but not its own.
        cases.put("id_token", claims -> claims.setClaim("x_big", "y".repeat(20 * 1024)));
        return cases;
    }

    private Response loginAnswer() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        return BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
    }

    private void assertRefused(String member, Response callback, LogCapture log) {
        assertEquals(502, callback.statusCode(), member + ": " + callback.asString());
        assertTrue(callback.asString().contains("invalid_server_response"), member + ": " + callback.asString());
        assertTrue(callback.contentType().startsWith("text/html"), member + ": " + callback.contentType());
        List<String> cookies = callback.headers().getValues("Set-Cookie");
        assertTrue(cookies.stream().noneMatch(c -> c.startsWith(SessionCookies.SESSION)),
                member + " made a session: " + cookies);
        assertTrue(log.lines().stream().anyMatch(line -> line.startsWith(Audit.CATEGORY)
                && line.contains("event=server_data_refused stage=login server=fake member=" + member)),
                member + ": no audit line naming the server in " + log.lines());
        Counter counter = registry.find("smart_bff.server_data.refusals").tag("stage", "login").tag("member", member).counter();
        assertTrue(counter != null && counter.count() >= 1, member + ": no metric");
    }

    @Test
    void a_token_response_with_hostile_launch_context_or_tokens_makes_no_session() {
        hostileTokenResponses()
                .forEach((member, tamper) -> assertLoginRefused(member, () -> fake.tamperTokenResponses(tamper)));
    }

    @Test
    void an_id_token_with_a_hostile_identity_makes_no_session() {
        hostileIdTokens().forEach((member, tamper) -> assertLoginRefused(member, () -> fake.tamperIdTokenClaims(tamper)));
    }

    private void assertLoginRefused(String member, Runnable hostility) {
        fake.reset();
        hostility.run();
        try (LogCapture log = LogCapture.install()) {
            assertRefused(member, loginAnswer(), log);
        }
    }

    @Test
    void what_real_servers_send_is_accepted() {
        // SMART 2.0.0 fhirContext strings, JSON nulls, an absolute fhirUser, a canonical and an identifier.
        fake.tamperTokenResponses(body -> body.put("encounter", (Object) null)
                .put("fhirContext", new JsonArray().add("Encounter/enc-1")
                        .add(new JsonObject().put("canonical", "http://example.org/Questionnaire/q|1.0").put("type",
                                "Questionnaire"))
                        .add(new JsonObject().put("identifier", new JsonObject().put("system", "urn:x").put("value", "1"))
                                .put("role", "https://example.org/role"))));
        fake.fhirUserAbsolute(true);
        fake.tamperIdTokenClaims(claims -> claims.setClaim("name", "Dr. Zoë Ñúñez-O'Brien"));
        Response callback = loginAnswer();
        assertEquals(302, callback.statusCode(), callback.asString());
        String cookie = callback.getCookie(SessionCookies.SESSION);
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(200);
    }

    @Test
    void a_refresh_with_a_hostile_identity_ends_the_session_and_stores_nothing_of_it() {
        String cookie = BrowserLogin.login();
        fake.tamperIdTokenClaims(claims -> claims.setClaim("fhirUser", "javascript:alert(1)//Practitioner/1"));
        assertRefreshEndsTheSession(cookie, "fhirUser");
    }

    @Test
    void a_refresh_with_hostile_launch_context_ends_the_session() {
        String cookie = BrowserLogin.login();
        fake.tamperTokenResponses(body -> body.put("patient", "../../Practitioner/x"));
        assertRefreshEndsTheSession(cookie, "patient");
    }

    private void assertRefreshEndsTheSession(String cookie, String member) {
        clock.advance(Duration.ofHours(2));
        try (LogCapture log = LogCapture.install()) {
            Response call = given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .when().get("/fhir/Patient/" + fake.patientId());
            assertEquals(401, call.statusCode(), call.asString());
            assertTrue(call.asString().contains("session_expired"), call.asString());
            assertEquals(1, fake.refreshGrants());
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith(Audit.CATEGORY)
                    && line.contains("event=server_data_refused stage=refresh") && line.contains("server=fake")
                    && line.contains("member=" + member)), "audit: " + log.lines());
        }
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
        Counter counter = registry.find("smart_bff.server_data.refusals").tag("stage", "refresh").tag("member", member)
                .counter();
        assertTrue(counter != null && counter.count() >= 1, "metric");
    }
}
