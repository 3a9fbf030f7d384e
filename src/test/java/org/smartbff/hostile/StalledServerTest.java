package org.smartbff.hostile;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionCookies;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.ServerTimeoutException;
import org.smartbff.smart.SmartConfiguration;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * A SMART server that stalls (accepts the connection, never answers): every call to it gives up after
 * {@code smart-bff.http.server-timeout} (3 s in the tests), a launch answers a clear 504 page, a refresh keeps the
 * session and the proxied call answers 503 with {@code Retry-After}, a logout still logs out.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class StalledServerTest {

    /** The configured server timeout, and what a loaded build machine may add to it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration SLACK = Duration.ofSeconds(7);

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @Inject
    SmartDiscovery discovery;

    @Inject
    SmartServers servers;

    @Inject
    SmartBffConfig config;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    @AfterEach
    void answerWhatIsStalled() {
        fake.releaseStalled();
        // A timed-out discovery is remembered for a while: other tests must find the server again.
        discovery.forget(servers.byName("fake").orElseThrow());
    }

    private static void assertAnsweredInTime(long startedNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        assertTrue(took.compareTo(TIMEOUT.plus(SLACK)) < 0, "answered after " + took);
    }

    private static void assertTimeoutPage(Response response, String call) {
        assertEquals(504, response.statusCode(), response.asString());
        assertTrue(response.contentType().startsWith("text/html"), response.contentType());
        assertTrue(response.asString().contains("server_timeout"), response.asString());
        assertTrue(response.asString().contains("(" + call + ")"), response.asString());
        List<String> cookies = response.headers().getValues("Set-Cookie");
        assertTrue(cookies.stream().noneMatch(c -> c.startsWith(SessionCookies.SESSION)), "no session: " + cookies);
    }

    @Test
    void a_stalled_token_endpoint_gets_the_callback_a_504_page_in_time() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        fake.stall("/oauth/token");
        long start = System.nanoTime();
        Response callback = BrowserLogin.callback(authorized.callbackParams(), started.bindingCookie());
        assertAnsweredInTime(start);
        assertTimeoutPage(callback, "token");
    }

    @Test
    void a_stalled_discovery_gets_the_login_a_504_page_in_time() {
        // A first login warms the path (a cold JVM on a loaded machine takes seconds for its first request).
        BrowserLogin.start();
        discovery.forget(servers.byName("fake").orElseThrow());
        fake.stall("/fhir/.well-known/smart-configuration");
        long start = System.nanoTime();
        Response login = given().redirects().follow(false).when().get("/auth/login");
        assertAnsweredInTime(start);
        assertTimeoutPage(login, "discovery");
        assertEquals(0, fake.metadataRequests(), "a server that does not answer is not asked again for its metadata");
    }

    @Test
    void a_stalled_jwks_endpoint_fails_the_id_token_check_in_time() {
        // A verifier of its own: the application's has the fake's keys cached.
        IdTokenVerifier fresh = new IdTokenVerifier(config);
        SmartConfiguration smart = new SmartConfiguration(fake.issuer(), fake.baseUrl() + "/oauth/authorize",
                fake.tokenEndpoint(), fake.baseUrl() + "/oauth/jwks", null, List.of("S256"), List.of(),
                SmartConfiguration.Source.CONFIGURATION);
        fake.stall("/oauth/jwks");
        long start = System.nanoTime();
        CompletionException failed = assertThrows(CompletionException.class,
                () -> fresh.verifyAtLogin("e30.e30.sig", smart, fake.clientId(), null).subscribeAsCompletionStage()
                        .toCompletableFuture().orTimeout(TIMEOUT.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS).join());
        assertAnsweredInTime(start);
        assertInstanceOf(ServerTimeoutException.class, failed.getCause());
        assertEquals("jwks", ((ServerTimeoutException) failed.getCause()).call());
    }

    @Test
    void a_refresh_that_times_out_keeps_the_session_and_answers_503_with_retry_after() {
        String cookie = BrowserLogin.login();
        clock.advance(Duration.ofHours(2));
        fake.stall("/oauth/token");
        long start = System.nanoTime();
        Response call = given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                .when().get("/fhir/Patient/" + fake.patientId());
        assertAnsweredInTime(start);
        assertEquals(503, call.statusCode(), call.asString());
        assertEquals("5", call.header("Retry-After"));
        assertTrue(call.asString().contains("token_refresh_unavailable"), call.asString());

        // Kept: once the server answers again, the same cookie refreshes and reads.
        fake.releaseStalled();
        // Past the pause that follows a failed refresh (RefreshPolicy): the next call tries again.
        clock.advance(Duration.ofSeconds(20));
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
        assertEquals(1, fake.refreshGrants(), "the stalled refresh never reached the grant; the next one did");
    }

    @Test
    void a_stalled_revocation_endpoint_does_not_stop_a_logout() {
        String cookie = BrowserLogin.login();
        fake.stall("/oauth/revoke");
        long start = System.nanoTime();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                .when().post("/auth/logout").then().statusCode(204);
        assertAnsweredInTime(start);
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
    }
}
