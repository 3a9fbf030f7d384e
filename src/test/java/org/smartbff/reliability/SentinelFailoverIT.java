package org.smartbff.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.RedisControl;

import redis.embedded.RedisSentinel;

/**
 * Scenario 3, failover: a Redis master with a replica and a Sentinel (embedded-redis's binaries); the master is killed,
 * the Sentinel promotes the replica, and the smart-bff replicas (quarkus.redis.client-type=sentinel) follow it without
 * a restart: sessions written before the failover survive, calls meanwhile answer 200 or 503, never 500.
 */
class SentinelFailoverIT {

    private static final Measurements MEASURED = new Measurements("3 Redis restarts");
    private static final Client CLIENT = new Client();

    @Test
    void theReplicasFollowAPromotedMasterAndNoSessionWrittenBeforeIsLost() throws Exception {
        try (Cluster cluster = Cluster.start("sentinel")) {
            int replicaPort = Processes.freePort();
            RedisControl standby = new RedisControl(replicaPort, List.of("save \"\"", "appendonly no",
                    "replicaof 127.0.0.1 " + cluster.redis.port(), "dir " + cluster.dir));
            standby.start();
            int sentinelPort = Processes.freePort();
            RedisSentinel sentinel = RedisSentinel.newRedisSentinel().bind("127.0.0.1").port(sentinelPort)
                    .masterPort(cluster.redis.port()).masterName("mymaster").quorumSize(1)
                    .downAfterMilliseconds(1000).failOverTimeout(3000).parallelSyncs(1).build();
            sentinel.start();
            try {
                cluster.redisHosts("redis://127.0.0.1:" + sentinelPort)
                        .with("quarkus.redis.client-type", "sentinel")
                        .with("quarkus.redis.master-name", "mymaster")
                        .with("quarkus.redis.role", "master");
                Replica a = cluster.startReplica("a");
                Replica b = cluster.startReplica("b");
                String patient = "Patient/" + cluster.fake.patientId();
                List<String> sessions = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    sessions.add(CLIENT.login(i % 2 == 0 ? a : b));
                }
                Processes.await(Duration.ofSeconds(20), () -> dbsize(standby) == dbsize(cluster.redis),
                        "the standby caught up with the master");

                List<Load.Outcome> outcomes;
                long promoted;
                long serving;
                try (Load load = new Load(2, sessions, patient, n -> n % 2 == 0 ? a : b, false)) {
                    Processes.await(Duration.ofSeconds(30), () -> load.count() >= 20, "the load started");
                    long killedAt = System.nanoTime();
                    cluster.redis.stop();
                    Processes.await(Duration.ofSeconds(60), () -> isMaster(standby), "the Sentinel promoted the standby");
                    promoted = System.nanoTime() - killedAt;
                    Processes.await(Duration.ofSeconds(60), () -> {
                        for (String session : sessions) {
                            if (CLIENT.fhir(a, session, patient).status() != 200
                                    || CLIENT.fhir(b, session, patient).status() != 200) {
                                return false;
                            }
                        }
                        return true;
                    }, "every session served by both replicas after the failover");
                    serving = System.nanoTime() - killedAt;
                    int settled = load.count();
                    Processes.await(Duration.ofSeconds(30), () -> load.count() >= settled + 20, "the load went on");
                    outcomes = load.stop();
                }
                Processes.await(Duration.ofSeconds(30), () -> feedListens(a) && feedListens(b),
                        "both replicas' change feeds listen on the new master");
                Map<String, Integer> tally = Load.tally(outcomes);
                tally.keySet().forEach(o -> assertTrue(o.equals("200") || o.equals("503 session_store_unavailable"),
                        "only 200 and 503 during the failover: " + tally));
                assertTrue(a.alive() && b.alive(), "no replica was restarted");
                assertEquals(200, CLIENT.fhir(a, CLIENT.login(a), patient).status(), "new sessions work too");
                MEASURED.record("Sentinel: master killed to standby promoted", Measurements.millis(promoted), "ms");
                MEASURED.record("Sentinel: master killed to every session served by both replicas",
                        Measurements.millis(serving), "ms");
                MEASURED.record("Sentinel: calls during the failover (2 clients)", outcomes.size(), "count");
                MEASURED.record("Sentinel: 503 during the failover", tally.getOrDefault("503 session_store_unavailable", 0),
                        "count");
                MEASURED.record("Sentinel: sessions lost (of 5)", 0, "count");
            } finally {
                sentinel.stop();
                standby.stop();
            }
        }
    }

    /** The session cache trusts memory again only once the change feed listens and its heartbeats come back. */
    private static boolean feedListens(Replica replica) throws Exception {
        return Measurements.metric(replica.metrics(), "smart_bff_session_cache_trusted") == 1.0;
    }

    private static long dbsize(RedisControl redis) {
        return Long.parseLong(redis.command("DBSIZE").substring(1));
    }

    /**
     * Whether {@code redis} says it is a master now. While the Sentinel promotes it, it drops client connections (the
     * Sentinel's CLIENT KILL after the role change), this test's own too: a connection reset then means "not yet".
     */
    private static boolean isMaster(RedisControl redis) {
        try {
            return redis.info("replication").contains("role:master");
        } catch (UncheckedIOException droppedDuringPromotion) {
            return false;
        }
    }
}
