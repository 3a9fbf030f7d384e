package org.smartbff.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * Scenario 3, Redis restarts under load: with AOF no session is lost, calls meanwhile answer 503 with Retry-After (never
 * 500), readiness goes DOWN and comes back UP within 5 s; without persistence (or flushed) every session ends with one
 * clean 401 session_expired.
 */
class RedisRestartIT {

    private static final Duration READY_AGAIN_BOUND = Duration.ofSeconds(5);
    private static final Measurements MEASURED = new Measurements("3 Redis restarts");
    private static final Client CLIENT = new Client();

    @Test
    void aRedisWithAofRestartedUnderLoadLosesNoSessionAndNoCallGetsA500() throws Exception {
        try (Cluster cluster = Cluster.start("redis-aof", List.of("save \"\"", "appendonly yes", "appendfsync always"))) {
            Replica a = cluster.startReplica("a");
            Replica b = cluster.startReplica("b");
            String patient = "Patient/" + cluster.fake.patientId();
            List<String> sessions = logins(cluster, a, 10);
            List<Load.Outcome> outcomes;
            long down;
            long ready;
            long outage;
            try (Load load = new Load(4, sessions, patient, n -> n % 2 == 0 ? a : b, false)) {
                awaitMoreCalls(load, 40);
                long stoppedAt = System.nanoTime();
                cluster.redis.stop();
                Processes.await(Duration.ofSeconds(15), () -> a.readiness() == 503 && b.readiness() == 503,
                        "readiness DOWN on both replicas");
                down = System.nanoTime() - stoppedAt;
                awaitMoreCalls(load, 20);
                long startedAt = System.nanoTime();
                outage = startedAt - stoppedAt;
                cluster.redis.start();
                Processes.await(Duration.ofSeconds(30), () -> a.readiness() == 200 && b.readiness() == 200,
                        "readiness UP on both replicas");
                ready = System.nanoTime() - startedAt;
                awaitMoreCalls(load, 40);
                outcomes = load.stop();
            }

            Map<String, Integer> tally = Load.tally(outcomes);
            tally.keySet().forEach(outcome -> assertTrue(outcome.equals("200")
                    || outcome.equals("503 session_store_unavailable"), "an outcome besides 200 and 503: " + tally));
            outcomes.stream().filter(o -> o.status() == 503)
                    .forEach(o -> assertTrue(o.retryAfter() != null, "a 503 without Retry-After"));
            assertTrue(ready < READY_AGAIN_BOUND.toNanos(), "ready again after " + Measurements.millis(ready) + " ms");
            for (String session : sessions) {
                assertEquals(200, CLIENT.fhir(a, session, patient).status(), "a session was lost");
                assertEquals(200, CLIENT.fhir(b, session, patient).status(), "a session was lost");
            }
            MEASURED.record("AOF restart: calls under load (4 clients, 2 replicas)", outcomes.size(), "count");
            MEASURED.record("AOF restart: 200", tally.getOrDefault("200", 0), "count");
            MEASURED.record("AOF restart: 503 session_store_unavailable with Retry-After",
                    tally.getOrDefault("503 session_store_unavailable", 0), "count");
            MEASURED.record("AOF restart: 500 or I/O failures", 0, "count");
            MEASURED.record("AOF restart: Redis stopped to readiness DOWN on both", Measurements.millis(down), "ms");
            MEASURED.record("AOF restart: Redis down for", Measurements.millis(outage), "ms");
            MEASURED.record("AOF restart: Redis started to readiness UP on both", Measurements.millis(ready), "ms");
            MEASURED.record("AOF restart: sessions lost (of 10)", 0, "count");
        }
    }

    @Test
    void aRedisWithoutPersistenceRestartedOrFlushedEndsEverySessionWithOneClean401() throws Exception {
        try (Cluster cluster = Cluster.start("redis-volatile").with("smart-bff.session.cache-ttl", "30S")) {
            Replica a = cluster.startReplica("a");
            Replica b = cluster.startReplica("b");
            String patient = "Patient/" + cluster.fake.patientId();

            List<String> sessions = servedOnBoth(cluster, a, b, patient);
            cluster.redis.stop();
            cluster.redis.start();
            Processes.await(Duration.ofSeconds(30), () -> a.readiness() == 200 && b.readiness() == 200,
                    "readiness UP on both replicas");
            assertEveryCallEndsTheSession(sessions, a, b, patient);

            // A flush is announced by nobody: the replicas notice it at their next heartbeat (1 s), well before the
            // 30 s they would otherwise keep serving what they hold in memory.
            sessions = servedOnBoth(cluster, a, b, patient);
            long flushedAt = System.nanoTime();
            cluster.redis.command("FLUSHALL");
            List<String> live = new ArrayList<>(sessions);
            Map<String, Integer> seen = new TreeMap<>();
            Processes.await(Duration.ofSeconds(20), () -> {
                for (String session : List.copyOf(live)) {
                    Client.Answer onB = CLIENT.fhir(b, session, patient);
                    Client.Answer onA = CLIENT.fhir(a, session, patient);
                    seen.merge(onB.toString(), 1, Integer::sum);
                    seen.merge(onA.toString(), 1, Integer::sum);
                    if (onA.status() == 401 && onB.status() == 401) {
                        live.remove(session);
                    }
                }
                return live.isEmpty();
            }, "every session ended after FLUSHALL");
            long ended = System.nanoTime() - flushedAt;
            seen.keySet().forEach(outcome -> assertTrue(outcome.equals("200 ") || outcome.equals("401 session_expired"),
                    "only 200 (before the flush was noticed) and 401 session_expired: " + seen));
            assertEveryCallEndsTheSession(sessions, a, b, patient);
            assertTrue(ended < Duration.ofSeconds(5).toNanos(), "sessions served " + Measurements.millis(ended)
                    + " ms after FLUSHALL");
            MEASURED.record("FLUSHALL: every session refused (401 session_expired) on both replicas after",
                    Measurements.millis(ended), "ms");
        }
    }

    private static List<String> servedOnBoth(Cluster cluster, Replica a, Replica b, String patient) throws Exception {
        List<String> sessions = logins(cluster, a, 5);
        for (String session : sessions) {
            assertEquals(200, CLIENT.fhir(a, session, patient).status());
            assertEquals(200, CLIENT.fhir(b, session, patient).status());
        }
        return sessions;
    }

    private static void assertEveryCallEndsTheSession(List<String> sessions, Replica a, Replica b, String patient)
            throws Exception {
        for (String session : sessions) {
            assertEquals("401 session_expired", CLIENT.fhir(b, session, patient).toString());
            assertEquals("401 session_expired", CLIENT.fhir(a, session, patient).toString());
        }
    }

    private static List<String> logins(Cluster cluster, Replica replica, int n) throws Exception {
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sessions.add(CLIENT.login(replica));
        }
        return sessions;
    }

    private static void awaitMoreCalls(Load load, int more) {
        int target = load.count() + more;
        Processes.await(Duration.ofSeconds(60), () -> load.count() >= target, "the load went on");
    }
}
