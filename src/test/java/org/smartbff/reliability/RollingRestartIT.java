package org.smartbff.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.Test;

/**
 * Scenario 5: both replicas stopped with SIGTERM one after the other, each restarted on its port, while clients keep
 * calling: readiness turns DOWN first, calls in flight finish, each process exits well within quarkus.shutdown.timeout,
 * and a client that retries an idempotent read once (on the other replica) sees no failed call.
 */
class RollingRestartIT {

    private static final Duration SHUTDOWN_DELAY = Duration.ofSeconds(1);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    private static final Measurements MEASURED = new Measurements("5 rolling restart");

    @Test
    void aRollingRestartUnderLoadFailsNoCallOfAClientThatRetriesReadsOnce() throws Exception {
        try (Cluster cluster = Cluster.start("rolling-restart")
                .with("quarkus.shutdown.delay", SHUTDOWN_DELAY.toSeconds() + "S")
                .with("quarkus.shutdown.timeout", SHUTDOWN_TIMEOUT.toSeconds() + "S")) {
            String[] names = { "a", "b" };
            int[] ports = { Processes.freePort(), Processes.freePort() };
            AtomicReferenceArray<Replica> replicas = new AtomicReferenceArray<>(2);
            for (int i = 0; i < 2; i++) {
                replicas.set(i, cluster.startReplica(names[i], ports[i]));
            }
            String patient = "Patient/" + cluster.fake.patientId();
            Client client = new Client();
            List<String> sessions = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sessions.add(client.login(replicas.get(i % 2)));
            }

            List<Load.Outcome> outcomes;
            try (Load load = new Load(4, sessions, patient, n -> replicas.get(n % 2), true)) {
                awaitMoreCalls(load, 100);
                for (int i = 0; i < 2; i++) {
                    Replica old = replicas.get(i);
                    long termAt = System.nanoTime();
                    old.terminate();
                    Processes.await(Duration.ofSeconds(10), () -> old.readiness() != 200, "readiness DOWN after SIGTERM");
                    long notReady = System.nanoTime() - termAt;
                    int exit = old.awaitExit(SHUTDOWN_DELAY.plus(SHUTDOWN_TIMEOUT).plusSeconds(10));
                    long exited = System.nanoTime() - termAt;
                    assertTrue(exit == 0 || exit == 143, old.name() + " exit code after SIGTERM: " + exit); // 143: the JVM's code for SIGTERM
                    MEASURED.record("replica " + old.name() + ": SIGTERM to readiness DOWN", Measurements.millis(notReady),
                            "ms");
                    MEASURED.record("replica " + old.name() + ": SIGTERM to exit (shutdown delay "
                            + SHUTDOWN_DELAY.toMillis() + " ms)", Measurements.millis(exited), "ms");
                    awaitMoreCalls(load, 20);
                    long startAt = System.nanoTime();
                    replicas.set(i, cluster.startReplica(names[i] + "-restarted", ports[i]));
                    MEASURED.record("replica " + names[i] + ": restart to ready",
                            Measurements.millis(System.nanoTime() - startAt), "ms");
                    awaitMoreCalls(load, 60);
                }
                outcomes = load.stop();
            }

            Map<String, Integer> tally = Load.tally(outcomes);
            MEASURED.record("calls during the rolling restart (4 clients, retry once)", outcomes.size(), "count");
            MEASURED.record("failed calls after one retry", outcomes.stream().filter(o -> o.status() != 200).count(), "count");
            assertEquals(Map.of("200", outcomes.size()), tally, "every call succeeded (after at most one retry)");
            assertTrue(outcomes.size() > 200);
        }
    }

    private static void awaitMoreCalls(Load load, int more) {
        int target = load.count() + more;
        Processes.await(Duration.ofSeconds(90), () -> load.count() >= target, "the load went on");
    }
}
