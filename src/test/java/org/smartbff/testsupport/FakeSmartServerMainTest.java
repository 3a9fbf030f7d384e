package org.smartbff.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.fake.FakeSmartServer;

/** The command line of {@link FakeSmartServerMain}, which bench/ relies on, and its stats. */
class FakeSmartServerMainTest {

    @Test
    void parsesEveryOption() {
        FakeSmartServerMain.Options o = FakeSmartServerMain.parse(new String[] {
                "--port", "18443", "--stats-port", "18444", "--access-token-lifetime", "3s",
                "--accept-audience", "http://127.0.0.1:1/fhir", "--accept-audience", "http://127.0.0.1:1/r/fhir",
                "--ready-file", "/tmp/fake.json", "--refresh-tokens", "single-use-grants", "--record-requests", "false" });
        assertEquals(18443, o.port());
        assertEquals(18444, o.statsPort());
        assertEquals(Duration.ofSeconds(3), o.accessTokenLifetime());
        assertEquals(List.of("http://127.0.0.1:1/fhir", "http://127.0.0.1:1/r/fhir"), o.audiences());
        assertEquals(Path.of("/tmp/fake.json"), o.readyFile());
        assertTrue(o.grants());
        assertFalse(o.recordRequests());
    }

    @Test
    void defaultsToFreePortsAndTheFakesOwnLifetime() {
        FakeSmartServerMain.Options o = FakeSmartServerMain.parse(new String[0]);
        assertEquals(0, o.port());
        assertEquals(0, o.statsPort());
        assertNull(o.accessTokenLifetime());
        assertEquals(List.of(), o.audiences());
        assertFalse(o.grants());
        assertTrue(o.recordRequests());
    }

    @Test
    void refusesUnknownOptionsAndMissingValues() {
        assertThrows(IllegalArgumentException.class, () -> FakeSmartServerMain.parse(new String[] { "--nope", "1" }));
        assertThrows(IllegalArgumentException.class, () -> FakeSmartServerMain.parse(new String[] { "--port" }));
        assertThrows(IllegalArgumentException.class,
                () -> FakeSmartServerMain.parse(new String[] { "--refresh-tokens", "sometimes" }));
    }

    @Test
    void readsDurations() {
        assertEquals(Duration.ofSeconds(90), FakeSmartServerMain.duration("90"));
        assertEquals(Duration.ofSeconds(90), FakeSmartServerMain.duration("90s"));
        assertEquals(Duration.ofMinutes(2), FakeSmartServerMain.duration("2m"));
        assertEquals(Duration.ofMillis(1500), FakeSmartServerMain.duration("1500ms"));
        assertEquals(Duration.ofSeconds(5), FakeSmartServerMain.duration("PT5S"));
    }

    @Test
    void statsCountTokenRequests() {
        try (FakeSmartServer fake = FakeSmartServer.start()) {
            assertEquals("{\"tokenRequests\":0,\"refreshGrants\":0,\"requests\":0,\"grantsIssued\":0,"
                    + "\"refreshTokenReplays\":0}", FakeSmartServerMain.statsJson(fake));
        }
    }

    @Test
    void controlSetsFaultsAndRefusesUnknownOnes() {
        try (FakeSmartServer fake = FakeSmartServer.start()) {
            FakeSmartServerMain.control(fake, "token-fault=HANG_UP&fhir-fault=SLOW&access-token-lifetime=2s");
            assertThrows(IllegalArgumentException.class, () -> FakeSmartServerMain.control(fake, "token-fault=MAYBE"));
            assertThrows(IllegalArgumentException.class, () -> FakeSmartServerMain.control(fake, "mood=NONE"));
            assertThrows(IllegalArgumentException.class, () -> FakeSmartServerMain.control(fake, ""));
        }
    }
}
