package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.smartbff.launch.LaunchCompleted;
import org.smartbff.launch.LaunchFailure;
import org.smartbff.launch.LaunchOutcome;
import org.smartbff.launch.LaunchPipeline;
import org.smartbff.launch.LaunchPipeline.Kind;
import org.smartbff.launch.LaunchStarted;
import org.smartbff.launch.UnexpectedLaunchFailure;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.ServerTimeoutException;
import org.smartbff.testsupport.MutableClock;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;

/** The one path both launch kinds and the callback take: what each outcome becomes, and how it is counted and audited. */
class LaunchPipelineTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final LaunchStarted STARTED = new LaunchStarted("https://auth.example/authorize", "b",
            Duration.ofMinutes(10));

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock();
    private final BffMetrics metrics = new BffMetrics(registry);
    /** Writes on a thread of its own: {@link #auditLine} flushes it before it reads. */
    private final Audit audit = new Audit(metrics);
    private final LaunchPipeline pipeline = new LaunchPipeline(metrics, audit, clock);

    @AfterEach
    void stopTheAuditWriter() {
        audit.close();
    }

    private double launches(String kind, String outcome) {
        var counter = registry.find("smart_bff.launches").tags("kind", kind, "outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private double callbacks(String outcome) {
        var counter = registry.find("smart_bff.callbacks").tags("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void a_launch_that_reaches_the_authorization_server_is_counted_as_redirected_under_its_kind() {
        LaunchOutcome<LaunchStarted> outcome = pipeline.start(Kind.EHR,
                () -> Uni.createFrom().item(LaunchOutcome.done(STARTED))).await().atMost(WAIT);
        assertSame(STARTED, ((LaunchOutcome.Done<LaunchStarted>) outcome).value());
        assertEquals(1, launches("ehr", "redirected"));
        assertEquals(0, launches("standalone", "redirected"));
    }

    private Duration timed(String step, String result) {
        var timer = registry.find("smart_bff.launch.steps").tags("step", step, "result", result).timer();
        return timer == null ? Duration.ZERO : Duration.ofNanos((long) timer.totalTime(TimeUnit.NANOSECONDS));
    }

    @Test
    void each_step_is_timed_from_its_request_to_its_outcome_under_its_kind_and_result() {
        pipeline.start(Kind.STANDALONE, () -> {
            clock.advance(Duration.ofMillis(1500));
            return Uni.createFrom().item(LaunchOutcome.done(STARTED));
        }).await().atMost(WAIT);
        pipeline.callback(() -> Uni.createFrom().item(() -> {
            clock.advance(Duration.ofMillis(700));
            return LaunchOutcome.<LaunchCompleted> refused(new LaunchFailure.BindingMismatch());
        })).await().atMost(WAIT);
        try (Captured ignored = new Captured()) {
            assertThrows(UnexpectedLaunchFailure.class, () -> pipeline.start(Kind.EHR, () -> {
                clock.advance(Duration.ofMillis(300));
                return Uni.createFrom().failure(new IllegalStateException("a bug"));
            }).await().atMost(WAIT));
        }
        assertEquals(Duration.ofMillis(1500), timed("standalone", "done"));
        assertEquals(Duration.ofMillis(700), timed("callback", "refused"));
        assertEquals(Duration.ofMillis(300), timed("ehr", "error"));
    }

    @Test
    void a_failure_a_smart_client_announces_becomes_a_refusal_counted_by_its_code() {
        LaunchOutcome<LaunchStarted> outcome = pipeline.start(Kind.STANDALONE, () -> Uni.createFrom()
                .failure(new ServerTimeoutException("discovery", Duration.ofSeconds(5)))).await().atMost(WAIT);
        LaunchOutcome.Refused<LaunchStarted> refused = assertInstanceOf(LaunchOutcome.Refused.class, outcome);
        assertEquals(new LaunchFailure.ServerTimeout("discovery"), refused.failure());
        assertEquals(504, refused.error().status());
        assertEquals(1, launches("standalone", "server_timeout"));
    }

    @Test
    void a_refusal_a_step_returns_is_counted_the_same_way() {
        pipeline.start(Kind.EHR, () -> Uni.createFrom().item(LaunchOutcome.refused(new LaunchFailure.StoreUnavailable())))
                .await().atMost(WAIT);
        assertEquals(1, launches("ehr", "temporarily_unavailable"));
    }

    @Test
    void a_bug_stays_an_exception_is_logged_once_with_its_cause_and_is_counted_as_server_error() {
        IllegalStateException bug = new IllegalStateException("a bug");
        try (Captured logs = new Captured()) {
            UnexpectedLaunchFailure failure = assertThrows(UnexpectedLaunchFailure.class,
                    () -> pipeline.start(Kind.STANDALONE, () -> Uni.createFrom().failure(bug)).await().atMost(WAIT));
            assertSame(bug, failure.getCause());
            List<String> errors = logs.lines().stream().filter(line -> line.contains("Unexpected failure")).toList();
            assertEquals(1, errors.size(), logs.lines().toString());
            assertTrue(errors.get(0).contains("a bug"), errors.get(0));
        }
        assertEquals(1, launches("standalone", "server_error"));
    }

    @Test
    void a_step_that_throws_before_it_returns_a_uni_is_handled_as_its_failure() {
        LaunchOutcome<LaunchStarted> outcome = pipeline.start(Kind.EHR, () -> {
            throw new ServerTimeoutException("jwks", Duration.ofSeconds(1));
        }).await().atMost(WAIT);
        assertInstanceOf(LaunchOutcome.Refused.class, outcome);
        assertEquals(1, launches("ehr", "server_timeout"));
    }

    @Test
    void a_completed_callback_is_counted_as_session_and_audited_as_a_login_without_a_secret() {
        ObjectNode context = JsonNodeFactory.instance.objectNode().put("patient", "123");
        SessionRecord record = new SessionRecord("sandbox", "the-access-token", 0, "the-refresh-token", "patient/*.read",
                new IdTokenClaims("https://auth.example", "sub", "Practitioner/7", "Dr Who"), context, 0, 0, 0);
        SessionId id = SessionId.generate();
        try (Captured logs = new Captured()) {
            pipeline.callback(() -> Uni.createFrom().item(LaunchOutcome.done(new LaunchCompleted(id, record, "/"))))
                    .await().atMost(WAIT);
            String login = auditLine(logs, "event=login ");
            assertTrue(login.contains("session=" + id.logId() + " server=sandbox fhir_user=Practitioner/7 patient=123"
                    + " scope=patient/*.read"), login);
            assertTrue(logs.lines().stream().noneMatch(line -> line.contains("the-access-token")
                    || line.contains("the-refresh-token") || line.contains(id.cookieValue())), logs.lines().toString());
        }
        assertEquals(1, callbacks("session"));
    }

    @Test
    void a_refused_callback_is_counted_and_audited_by_its_code() {
        try (Captured logs = new Captured()) {
            pipeline.callback(() -> Uni.createFrom().item(LaunchOutcome.refused(new LaunchFailure.UnknownState())))
                    .await().atMost(WAIT);
            assertTrue(auditLine(logs, "event=login_failed ").endsWith("error=invalid_state"), logs.lines().toString());
        }
        assertEquals(1, callbacks("invalid_state"));
    }

    @Test
    void a_callback_that_fails_for_a_bug_is_audited_as_server_error() {
        try (Captured logs = new Captured()) {
            assertThrows(UnexpectedLaunchFailure.class, () -> pipeline.callback(
                    () -> Uni.createFrom().failure(new NullPointerException())).await().atMost(WAIT));
            assertTrue(auditLine(logs, "event=login_failed ").endsWith("error=server_error"), logs.lines().toString());
        }
        assertEquals(1, callbacks("server_error"));
    }

    private String auditLine(Captured logs, String event) {
        audit.flush();
        return logs.lines().stream().filter(line -> line.startsWith("audit ") && line.contains(event))
                .findFirst().orElseThrow(() -> new AssertionError("no " + event + "in " + logs.lines()));
    }

    /**
     * The records of the pipeline's logger and the audit logger while open, kept off the console: these tests make
     * failures on purpose, and a green run prints nothing.
     */
    private static final class Captured extends Handler implements AutoCloseable {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final List<Logger> loggers = List.of(Logger.getLogger(LaunchPipeline.class.getName()),
                Logger.getLogger(Audit.CATEGORY));
        private final List<Level> levels = loggers.stream().map(Logger::getLevel).toList();

        Captured() {
            for (Logger logger : loggers) {
                logger.setLevel(Level.INFO);
                logger.setUseParentHandlers(false);
                logger.addHandler(this);
            }
        }

        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage() + (record.getThrown() != null ? " " + record.getThrown() : ""));
        }

        List<String> lines() {
            return List.copyOf(lines);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).removeHandler(this);
                loggers.get(i).setUseParentHandlers(true);
                loggers.get(i).setLevel(levels.get(i));
            }
        }
    }
}
