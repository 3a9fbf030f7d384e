package org.smartbff.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.RedisControl;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/** Redis going away and coming back: readiness follows it, callers get 503 (never 500), nothing needs a restart. */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class RedisOutageTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.ManagementPort
    int managementPort;

    @SmartTestResource.Redis
    RedisControl redis;

    @Test
    void health_endpoints_are_up_with_redis() {
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        management().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void health_and_metrics_are_not_served_on_the_application_port() {
        for (String path : new String[] { "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started",
                "/q/metrics" }) {
            given().when().get(path).then().statusCode(404);
        }
        management().get("/q/metrics").then().statusCode(200);
        management().get("/q/health/started").then().statusCode(200);
    }

    @Test
    void readiness_goes_down_with_redis_and_comes_back_without_a_restart() {
        fake.reset();
        String cookie = BrowserLogin.login();
        redis.stop();
        try {
            long stoppedAt = System.nanoTime();
            assertEquals(503, firstStatusWithin(5_000, 503, () -> management().get("/q/health/ready").statusCode()),
                    "ready is DOWN within 5 s of Redis going away");
            assertTrue(System.nanoTime() - stoppedAt < 5_000_000_000L);
            management().get("/q/health/live").then().statusCode(200);

            given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .when().get("/fhir/Patient/" + fake.patientId())
                    .then().statusCode(503).header("Retry-After", "5")
                    .body("resourceType", equalTo("OperationOutcome"))
                    .body("issue[0].details.coding[0].code", equalTo("session_store_unavailable"));
            given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session")
                    .then().statusCode(503).body("error", equalTo("temporarily_unavailable"));
            given().redirects().follow(false).when().get("/auth/login").then().statusCode(503);
        } finally {
            redis.start();
        }
        assertEquals(200, firstStatusWithin(10_000, 200, () -> management().get("/q/health/ready").statusCode()),
                "ready is UP again once Redis is back");
        // The restarted Redis is empty (no persistence in tests): the old session is simply gone.
        given().cookie(SessionCookies.SESSION, cookie).when().get("/auth/session").then().statusCode(401);
        String again = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, again).header("X-CSRF", "1")
                .when().get("/fhir/Patient/" + fake.patientId()).then().statusCode(200);
    }

    /** Asks until the wanted status comes or the deadline passes; each try is a real request, no sleeping. */
    private static int firstStatusWithin(long millis, int wanted, IntSupplier status) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        int last;
        do {
            last = status.getAsInt();
        } while (last != wanted && System.nanoTime() < deadline);
        return last;
    }

    /** Health and metrics are served on the management interface, not on the port the browser reaches. */
    private RequestSpecification management() {
        return given().port(managementPort);
    }
}
