package org.smartbff.reliability;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * Steady traffic for the duration of a fault: a few workers, each making one proxied GET after the other over the
 * given sessions and replicas, recording every outcome (a status and code, or the I/O failure a client saw).
 */
final class Load implements AutoCloseable {

    /** One call's outcome; status -1 for a failure below HTTP (connection refused or reset). */
    record Outcome(long atNanos, String replica, int status, String code, String retryAfter, String failure) {
        @Override
        public String toString() {
            return status < 0 ? "io " + failure : (status + (code.isEmpty() ? "" : " " + code));
        }
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final List<Thread> workers = new ArrayList<>();

    /**
     * @param replicaFor which replica the n-th call of a worker goes to (a function, so a test can move traffic)
     * @param retryOnce whether a failed idempotent read is tried once more (on the next replica), as a careful client
     */
    Load(int workers, List<String> sessions, String path, IntFunction<Replica> replicaFor, boolean retryOnce) {
        Client client = new Client(Duration.ofSeconds(20));
        for (int w = 0; w < workers; w++) {
            int worker = w;
            Thread thread = new Thread(() -> {
                for (int n = worker; running.get(); n += workers) {
                    String session = sessions.get(n % sessions.size());
                    Outcome outcome = call(client, replicaFor.apply(n), session, path);
                    if (retryOnce && !(outcome.status() >= 200 && outcome.status() < 500)) {
                        outcome = call(client, replicaFor.apply(n + 1), session, path);
                    }
                    outcomes.add(outcome);
                }
            }, "load-" + w);
            thread.setDaemon(true);
            this.workers.add(thread);
            thread.start();
        }
    }

    private static Outcome call(Client client, Replica replica, String session, String path) {
        long at = System.nanoTime();
        try {
            Client.Answer answer = client.fhir(replica, session, path);
            return new Outcome(at, replica.name(), answer.status(), answer.status() == 200 ? "" : answer.code(),
                    answer.retryAfter(), null);
        } catch (IOException e) {
            return new Outcome(at, replica.name(), -1, "", null, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(at, replica.name(), -1, "", null, "interrupted");
        }
    }

    int count() {
        return outcomes.size();
    }

    /** Stops the workers, waits for their last call, and returns every outcome. */
    List<Outcome> stop() throws InterruptedException {
        running.set(false);
        for (Thread worker : workers) {
            worker.join(30_000);
        }
        return List.copyOf(outcomes);
    }

    /** Outcomes counted by their text ("200", "503 session_store_unavailable", "io ConnectException"). */
    static Map<String, Integer> tally(List<Outcome> outcomes) {
        Map<String, Integer> tally = new TreeMap<>();
        outcomes.forEach(o -> tally.merge(o.toString(), 1, Integer::sum));
        return tally;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
