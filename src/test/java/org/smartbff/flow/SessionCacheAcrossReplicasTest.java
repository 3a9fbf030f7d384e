package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.common.Hashes;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionCache;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.testsupport.AnotherReplica;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.RedisControl;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;
import org.smartbff.token.TokenOutcome;

import io.quarkus.oidc.client.OidcClients;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;

/**
 * Sessions served from memory must never outlive a change made on another replica: a session in steady use costs no
 * Redis read, and a logout or refresh anywhere is seen here as soon as its announcement arrives, also after the
 * announcement channel was cut.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class SessionCacheAcrossReplicasTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.Redis
    RedisControl redis;

    @SmartTestResource.RedisPort
    int redisPort;

    @Inject
    MutableClock clock;

    @Inject
    SmartBffConfig config;

    @Inject
    OidcClients oidcClients;

    @Inject
    Vertx vertx;

    @Inject
    SessionCache cache;

    private AnotherReplica other;

    @BeforeEach
    void start() {
        fake.reset();
        clock.reset();
        other = new AnotherReplica(vertx, redisPort, config, clock, oidcClients);
        awaitTrue(cache::trustsMemory, "this replica hears the session change feed");
        awaitTrue(other.cache::trustsMemory, "the other replica hears the session change feed");
    }

    @AfterEach
    void stop() {
        other.close();
    }

    @Test
    void a_session_in_steady_use_costs_no_redis_read() {
        String cookie = BrowserLogin.login();
        assertEquals(200, patientStatus(cookie));
        assertServedWithoutRedisReads(cookie, 20);
    }

    @Test
    void a_logout_on_another_replica_ends_the_session_here_at_once() {
        String cookie = sessionInMemory();
        String key = key(cookie);

        other.sessions.delete(id(cookie)).await().atMost(PATIENCE);
        awaitTrue(() -> cache.trusted(key) == null, "the logout was announced to this replica");
        assertEquals(401, patientStatus(cookie));
    }

    @Test
    void a_refresh_on_another_replica_is_used_here_at_once() {
        String cookie = sessionInMemory();
        String key = key(cookie);
        SessionRecord before = cache.trusted(key);

        // The FHIR server rejected the token at the other replica: it refreshes and saves.
        SessionRecord refreshed = ((TokenOutcome.Ready) other.accessTokens.forResend(id(cookie), before).await()
                .atMost(PATIENCE)).session();
        assertNotEquals(before.accessToken(), refreshed.accessToken());
        awaitTrue(() -> cache.trusted(key) == null, "the refresh was announced to this replica");

        assertEquals(200, patientStatus(cookie));
        assertEquals(1, fake.fhirCallsWith(refreshed.accessToken()), "this replica used the new token at once");
        assertEquals(1, fake.refreshGrants(), "and did not refresh again");
    }

    @Test
    void a_logout_made_while_the_channel_was_cut_is_seen_once_it_is_back() {
        String cookie = sessionInMemory();
        String key = key(cookie);

        // Cut every replica's subscription: whatever is announced now reaches nobody.
        redis.command("CLIENT", "KILL", "TYPE", "pubsub");
        redis.command("DEL", key);
        awaitTrue(() -> cache.trusted(key) == null, "the cut is noticed and memory is no longer trusted");
        awaitTrue(cache::trustsMemory, "this replica hears the feed again");

        assertEquals(401, patientStatus(cookie), "the session is read from Redis, where it is gone");
        String again = BrowserLogin.login();
        assertEquals(200, patientStatus(again));
        assertServedWithoutRedisReads(again, 1); // from memory again once the channel is back
    }

    @Test
    void a_feed_that_goes_silent_is_not_trusted_until_its_heartbeats_come_back() {
        String cookie = sessionInMemory();
        String key = key(cookie);

        // Every command waits for 4 s: the subscription stays open, but no heartbeat (and no announcement) comes back.
        redis.command("CLIENT", "PAUSE", "4000", "ALL");
        awaitTrue(() -> cache.trusted(key) == null, "three heartbeats missed: memory is no longer trusted");
        awaitTrue(cache::trustsMemory, "trusted again once this replica's heartbeats come back");
    }

    /** Logs in and makes one call, after which this replica serves the session from memory. */
    private String sessionInMemory() {
        String cookie = BrowserLogin.login();
        assertEquals(200, patientStatus(cookie));
        assertNotNull(cache.trusted(key(cookie)), "the session is served from memory here");
        return cookie;
    }

    private void assertServedWithoutRedisReads(String cookie, int calls) {
        long gets = redis.calls("get");
        for (int i = 0; i < calls; i++) {
            assertEquals(200, patientStatus(cookie));
        }
        assertEquals(gets, redis.calls("get"), "no session read from Redis for the next " + calls + " calls");
    }

    private int patientStatus(String cookie) {
        return given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                .when().get("/fhir/Patient/" + fake.patientId()).statusCode();
    }

    private static SessionId id(String cookie) {
        return SessionId.parse(cookie).orElseThrow();
    }

    private static String key(String cookie) {
        return "smart-bff:session:" + Hashes.sha256Hex(cookie);
    }

    /** Asks until the condition holds or the deadline passes; no sleeping, each try looks at live state. */
    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE + ": " + what);
            }
            Thread.onSpinWait();
        }
    }
}
