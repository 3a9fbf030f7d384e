package org.smartbff.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.smartbff.testsupport.fake.FakeSmartServer.TokenFault;

/**
 * Scenario 1: two replicas, one expired access token, a burst; then the replica holding the refresh lock is killed,
 * once before its refresh reached the server and once after the server rotated the refresh token.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasRefreshIT {

    private static final Duration SHORT_LIFETIME = Duration.ofSeconds(2);
    private static final Measurements MEASURED = new Measurements("1 replicas and refresh");
    private static Cluster cluster;
    private static Replica a;
    private static Replica b;
    private static final Client CLIENT = new Client();
    private static String patient;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start("replicas-refresh");
        a = cluster.startReplica("a");
        b = cluster.startReplica("b");
        patient = "Patient/" + cluster.fake.patientId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aBurstOverTwoReplicasOnAnExpiredTokenRefreshesOnceAndEveryCallSucceeds() throws Exception {
        String session = sessionWithExpiredToken(a);
        int tokenRequests = cluster.fake.stat("tokenRequests");

        List<CompletableFuture<Client.Answer>> calls = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            calls.add(CLIENT.fhirAsync(i % 2 == 0 ? a : b, session, patient));
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        List<Long> latencies = new ArrayList<>();
        for (CompletableFuture<Client.Answer> call : calls) {
            Client.Answer answer = call.get(60, TimeUnit.SECONDS);
            outcomes.merge(answer.toString(), 1, Integer::sum);
            latencies.add(answer.nanos());
        }
        long burst = System.nanoTime() - start;

        assertEquals(Map.of("200 ", 200), outcomes);
        assertEquals(1, cluster.fake.stat("tokenRequests") - tokenRequests, "refresh requests at the server");
        assertEquals(0, cluster.fake.stat("refreshTokenReplays"));
        assertTrue(CLIENT.fhir(a, session, patient).ok() && CLIENT.fhir(b, session, patient).ok(), "the session lives on");
        MEASURED.record("burst of 200 calls on an expired token, wall time", Measurements.millis(burst), "ms");
        MEASURED.record("burst latency p50", Measurements.percentileMillis(latencies, 50), "ms");
        MEASURED.record("burst latency p99", Measurements.percentileMillis(latencies, 99), "ms");
        MEASURED.record("refresh requests at the server for 200 calls", 1, "count");
        recordUnsavedWindow(a);
        recordUnsavedWindow(b);
    }

    @Test
    @Order(2)
    void whenTheLockHolderDiesBeforeItsRefreshIsServedTheOtherReplicaTakesOverWithinTheLockTimeout() throws Exception {
        String session = sessionWithExpiredToken(a);
        int tokenRequests = cluster.fake.stat("tokenRequests");
        int grants = cluster.fake.stat("refreshGrants");
        cluster.fake.tokenFault(TokenFault.HOLD_BEFORE_GRANT);
        CompletableFuture<Client.Answer> onA = CLIENT.fhirAsync(a, session, patient);
        Processes.await(Duration.ofSeconds(20), () -> cluster.fake.stat("tokenRequests") > tokenRequests,
                "replica a's refresh reached the token endpoint");
        CompletableFuture<Client.Answer> onB = CLIENT.fhirAsync(b, session, patient);
        cluster.fake.tokenFault(TokenFault.NONE); // a's request stays held, unprocessed: its refresh token is unused
        long killedAt = System.nanoTime();
        a.kill();

        Client.Answer answer = onB.get(30, TimeUnit.SECONDS);
        long takeover = System.nanoTime() - killedAt;

        assertEquals("200 ", answer.toString());
        assertTrue(takeover < Cluster.LOCK_TIMEOUT.multipliedBy(2).toNanos(),
                "b answered " + Measurements.millis(takeover) + " ms after a was killed; lock-timeout " + Cluster.LOCK_TIMEOUT);
        assertTrue(onA.handle((ok, failure) -> failure != null).get(10, TimeUnit.SECONDS), "a's caller lost its connection");
        assertEquals(1, cluster.fake.stat("refreshGrants") - grants, "one refresh granted, by b");
        assertEquals(0, cluster.fake.stat("refreshTokenReplays"), "no refresh token presented twice");
        assertEquals("200 ", CLIENT.fhir(b, session, patient).toString(), "the session survives");
        MEASURED.record("lock holder SIGKILLed before its refresh was served: kill to the other replica's 200",
                Measurements.millis(takeover), "ms");
        MEASURED.record("lock-timeout of the test replicas", Cluster.LOCK_TIMEOUT.toMillis(), "ms");
        recordUnsavedWindow(b);
    }

    @Test
    @Order(3)
    void whenTheLockHolderDiesAfterTheServerRotatedTheTokenTheUserGetsOneClean401() throws Exception {
        Replica c = cluster.startReplica("c");
        String session = sessionWithExpiredToken(c);
        int grants = cluster.fake.stat("refreshGrants");
        cluster.fake.tokenFault(TokenFault.HOLD_AFTER_GRANT);
        CompletableFuture<Client.Answer> onC = CLIENT.fhirAsync(c, session, patient);
        Processes.await(Duration.ofSeconds(20), () -> cluster.fake.stat("refreshGrants") > grants,
                "the server rotated c's refresh token");
        cluster.fake.tokenFault(TokenFault.NONE);
        c.kill();
        assertTrue(onC.handle((ok, failure) -> failure != null).get(10, TimeUnit.SECONDS));

        long start = System.nanoTime();
        Client.Answer first = CLIENT.fhir(b, session, patient);
        long elapsed = System.nanoTime() - start;
        Client.Answer second = CLIENT.fhir(b, session, patient);

        assertEquals("401 session_expired", first.toString());
        assertEquals(401, second.status(), "the session stays ended: " + second);
        assertEquals(1, cluster.fake.stat("refreshTokenReplays"), "b presented the dead token once, ending the grant");
        assertTrue(elapsed < Cluster.LOCK_TIMEOUT.multipliedBy(3).toNanos(),
                "answered in " + Measurements.millis(elapsed) + " ms");
        MEASURED.record("lock holder SIGKILLed after the server rotated: time to the clean 401 session_expired",
                Measurements.millis(elapsed), "ms");
    }

    /** A fresh session through this replica whose access token has expired by now. */
    private static String sessionWithExpiredToken(Replica replica) throws Exception {
        cluster.fake.accessTokenLifetime(SHORT_LIFETIME);
        String session = CLIENT.login(replica);
        long expired = System.nanoTime() + SHORT_LIFETIME.toNanos() + Duration.ofMillis(100).toNanos();
        cluster.fake.accessTokenLifetime(Duration.ofHours(1));
        Processes.await(Duration.ofSeconds(10), () -> System.nanoTime() - expired > 0, "the access token expired");
        return session;
    }

    private static void recordUnsavedWindow(Replica replica) throws Exception {
        String metrics = replica.metrics();
        double count = Measurements.metric(metrics, "smart_bff_refresh_unsaved_seconds_count");
        if (count > 0) {
            double max = Measurements.metric(metrics, "smart_bff_refresh_unsaved_seconds_max");
            double mean = Measurements.metric(metrics, "smart_bff_refresh_unsaved_seconds_sum") / count;
            MEASURED.record("token response to Redis write, replica " + replica.name() + ", mean", mean * 1000, "ms");
            MEASURED.record("token response to Redis write, replica " + replica.name() + ", max", max * 1000, "ms");
            assertTrue(max < 1.0, "the refreshed session took " + max + " s to reach Redis");
        }
    }
}
