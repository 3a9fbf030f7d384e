package org.smartbff.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.fake.FakeSmartServer.FhirFault;
import org.smartbff.testsupport.fake.FakeSmartServer.TokenFault;

/**
 * Scenario 4: the token endpoint down, failing, silent or answering garbage during a refresh keeps the session and
 * answers 503 (an OperationOutcome with Retry-After), and the next call after recovery refreshes once; the FHIR server
 * down, silent or closing mid-body gives 502/504 (or a cut connection once the body had started), and the replica's
 * connections recover without leaking.
 */
class ServerFaultsIT {

    private static final Measurements MEASURED = new Measurements("4 servers fail");
    private static final Client CLIENT = new Client(Duration.ofSeconds(60));
    private static Cluster cluster;
    private static Replica a;
    private static String patient;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start("server-faults");
        a = cluster.startReplica("a");
        patient = "Patient/" + cluster.fake.patientId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFailingTokenEndpointKeepsTheSessionAndTheNextCallAfterRecoveryRefreshesOnce() throws Exception {
        for (TokenFault fault : List.of(TokenFault.HANG_UP, TokenFault.SERVER_ERROR, TokenFault.GARBAGE,
                TokenFault.HOLD_BEFORE_GRANT)) {
            String session = sessionWithExpiredToken();
            cluster.fake.tokenFault(fault);
            long start = System.nanoTime();
            Client.Answer during = CLIENT.fhir(a, session, patient);
            long elapsed = System.nanoTime() - start;
            cluster.fake.tokenFault(TokenFault.NONE);
            assertTrue(during.status() == 503 || during.status() == 504, fault + ": " + during);
            assertTrue(during.body().contains("\"OperationOutcome\""), fault + ": " + during.body());
            assertEquals("token_refresh_unavailable", during.code(), fault.name());
            assertNotNull(during.retryAfter(), fault + ": Retry-After");

            // The session was kept. A failed refresh pauses the next attempt (RefreshPolicy: 2 s after a first
            // failure, so a down endpoint gets no storm); until then an expired token is answered 503 at once, after
            // it the first call refreshes, once.
            int grants = cluster.fake.stat("refreshGrants");
            Processes.await(Duration.ofSeconds(15), () -> {
                Client.Answer next = CLIENT.fhir(a, session, patient);
                assertTrue(next.status() == 200 || "token_refresh_unavailable".equals(next.code()),
                        fault + ": the session was kept: " + next);
                return next.status() == 200;
            }, fault + ": no call succeeded after the refresh pause");
            assertEquals("200 ", CLIENT.fhir(a, session, patient).toString());
            assertEquals(grants + 1, cluster.fake.stat("refreshGrants"), fault + ": one refresh after recovery");
            assertEquals(0, cluster.fake.stat("refreshTokenReplays"));
            MEASURED.record("token endpoint " + fault + ": " + during.status() + " " + during.code() + " after",
                    Measurements.millis(elapsed), "ms");
        }
    }

    @Test
    void aFailingFhirServerGives502Or504AndTheReplicaRecoversWithoutLeaking() throws Exception {
        String session = CLIENT.login(a);
        for (int i = 0; i < 20; i++) {
            assertEquals(200, CLIENT.fhir(a, session, patient).status());
        }
        long fdsBefore = openFiles(a);

        for (FhirFault fault : List.of(FhirFault.HANG_UP, FhirFault.SLOW, FhirFault.CLOSE_MID_BODY)) {
            cluster.fake.fhirFault(fault);
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                String outcome;
                try {
                    Client.Answer answer = CLIENT.fhir(a, session, "Observation?patient=" + cluster.fake.patientId());
                    outcome = answer.toString();
                    switch (fault) {
                        case HANG_UP -> assertEquals("502 upstream_unreachable", outcome);
                        case SLOW -> assertEquals("504 upstream_timeout", outcome);
                        default -> assertNotEquals(200, answer.status(), "a truncated body passed as a success");
                    }
                } catch (IOException cut) {
                    // Once the headers went out, a cut connection is how the browser learns the body is incomplete.
                    assertEquals(FhirFault.CLOSE_MID_BODY, fault, "only a body cut short may cut the connection");
                    outcome = "connection cut";
                }
                long elapsed = System.nanoTime() - start;
                if (fault == FhirFault.SLOW) {
                    assertTrue(elapsed < Cluster.UPSTREAM_TIMEOUT.multipliedBy(3).toNanos(),
                            Measurements.millis(elapsed) + " ms");
                }
                if (i == 0) {
                    MEASURED.record("FHIR server " + fault + ": " + outcome + " after", Measurements.millis(elapsed), "ms");
                }
            }
            cluster.fake.fhirFault(FhirFault.NONE);
            for (int i = 0; i < 20; i++) {
                assertEquals(200, CLIENT.fhir(a, session, patient).status(), fault + ": recovered");
            }
        }
        long fdsAfter = openFiles(a);
        MEASURED.record("open file descriptors of the replica before the FHIR faults", fdsBefore, "count");
        MEASURED.record("open file descriptors of the replica after 15 failed calls and 60 recovered", fdsAfter, "count");
        assertTrue(fdsAfter <= fdsBefore + 10, "file descriptors " + fdsBefore + " -> " + fdsAfter);
    }

    private static String sessionWithExpiredToken() throws Exception {
        cluster.fake.accessTokenLifetime(Duration.ofSeconds(2));
        String session = CLIENT.login(a);
        long expired = System.nanoTime() + Duration.ofMillis(2100).toNanos();
        cluster.fake.accessTokenLifetime(Duration.ofHours(1));
        Processes.await(Duration.ofSeconds(10), () -> System.nanoTime() - expired > 0, "the access token expired");
        return session;
    }

    private static long openFiles(Replica replica) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(replica.pid()), "fd"))) {
            return fds.count();
        }
    }
}
