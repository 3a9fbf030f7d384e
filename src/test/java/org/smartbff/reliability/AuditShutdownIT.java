package org.smartbff.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/**
 * The packaged jar as a process, stopped as Kubernetes stops a pod: a SIGTERM right after a burst of proxied calls
 * writes every audit event still queued, one complete line per call.
 */
class AuditShutdownIT {

    @Test
    void sigterm_writes_every_audit_event_still_queued_one_per_proxied_call() throws Exception {
        try (Cluster cluster = Cluster.start("audit-on-shutdown")) {
            Replica replica = cluster.startReplica("audited");
            // The log is appended to across runs: count what this run adds.
            long before = auditedReads(replica.logText());
            Client client = new Client();
            String session = client.login(replica);
            String path = "Patient/" + cluster.fake.patientId();
            int calls = 300;
            List<CompletableFuture<Client.Answer>> sent = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                sent.add(client.fhirAsync(replica, session, path));
            }
            for (CompletableFuture<Client.Answer> answer : sent) {
                assertEquals(200, answer.get().status());
            }
            // At once: the writer wakes every 256 events or 50 ms, so some of these are still queued.
            replica.terminate();
            int exit = replica.awaitExit(Duration.ofSeconds(60));
            assertTrue(exit == 0 || exit == 143, "exit code after SIGTERM: " + exit);
            long written = auditedReads(replica.logText()) - before;
            assertEquals(calls, written, "one complete audit line per proxied call, none lost at shutdown");
        }
    }

    /** Complete audit lines of successful proxied reads. */
    private static long auditedReads(String log) {
        return log.lines().filter(line -> line.contains("[smart-bff.audit]") && line.contains(" event=fhir ")
                && line.contains(" status=200") && line.contains(" session=") && line.contains(" patient=")).count();
    }
}
