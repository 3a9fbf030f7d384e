package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.RedisControl;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A refresh the server granted but Redis would not store. The server has rotated the refresh token by then, so the
 * copy in Redis holds a dead one; presenting it later would end the grant. The benchmark found this under load (a
 * busy Redis pool); here Redis refuses writes the way a full one does ({@code maxmemory}, {@code noeviction}).
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class RefreshWhileRedisRefusesWritesTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.Redis
    RedisControl redis;

    @Inject
    MutableClock clock;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    @AfterEach
    void acceptWritesAgain() {
        redis.refuseWrites(false);
    }

    @Test
    void the_refreshed_session_is_served_kept_and_saved_later_and_the_dead_refresh_token_is_never_presented() {
        String cookie = BrowserLogin.login();
        String first = fake.currentRefreshToken();
        // Redis starts refusing writes in the window between the server's rotation and the BFF's save.
        fake.beforeRefreshAnswer(() -> redis.refuseWrites(true));
        clock.advance(Duration.ofHours(2));

        readPatient(cookie, 200);
        String second = fake.currentRefreshToken();
        assertNotEquals(first, second, "the server rotated the refresh token");
        assertEquals(1, fake.refreshGrants());

        fake.beforeRefreshAnswer(null);
        redis.refuseWrites(false);
        clock.advance(Duration.ofHours(2));
        // Redis refused the lock's release as well (a script under OOM), so this call first waits for that orphaned
        // lock to expire (lock-timeout, 10 s), as a production replica would, then takes it over.

        readPatient(cookie, 200);
        assertEquals(2, fake.refreshGrants());
        assertEquals(List.of(first, second), fake.usedRefreshTokens(),
                "after the failed save the rotated token was used, never the dead one from Redis");
        given().cookie(SessionCookies.SESSION, cookie).get("/auth/session").then().statusCode(200);
    }

    @Test
    void logout_revokes_the_refreshed_tokens_this_replica_kept_not_the_dead_ones_in_redis() {
        String cookie = BrowserLogin.login();
        fake.beforeRefreshAnswer(() -> redis.refuseWrites(true));
        clock.advance(Duration.ofHours(2));
        readPatient(cookie, 200);
        fake.beforeRefreshAnswer(null);
        redis.refuseWrites(false);

        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").post("/auth/logout")
                .then().statusCode(204);
        assertNull(fake.currentRefreshToken(), "the live (rotated) refresh token was revoked, not only the dead one");
        given().cookie(SessionCookies.SESSION, cookie).get("/auth/session").then().statusCode(401);
    }

    private void readPatient(String cookie, int status) {
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                .get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(status);
    }
}
