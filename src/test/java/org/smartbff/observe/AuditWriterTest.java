package org.smartbff.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The audit queue: nothing recorded is lost unless counted, order holds, and shutdown writes what waits. */
class AuditWriterTest {

    /** Long enough that only a full batch, a flush or close can have the writer write. */
    private static final Duration NEVER = Duration.ofHours(1);

    private final List<String> written = new CopyOnWriteArrayList<>();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger reportedDrops = new AtomicInteger();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final AuditWriter.Problems problems = new AuditWriter.Problems() {
        @Override
        public void dropped() {
            dropped.incrementAndGet();
        }

        @Override
        public void droppedSince(int count) {
            reportedDrops.addAndGet(count);
        }

        @Override
        public void unwritable(RuntimeException failure) {
            refused.add(failure.getMessage());
        }
    };

    private AuditWriter.Sink sink() {
        return event -> written.add(text(event));
    }

    private static String text(Audit.Event event) {
        StringBuilder line = new StringBuilder();
        Audit.format(event, line);
        return line.toString();
    }

    @Test
    void shutdown_writes_every_queued_event_in_the_order_recorded() {
        AuditWriter writer = new AuditWriter(100, 100, NEVER, sink(), problems);
        for (int i = 0; i < 5; i++) {
            writer.offer(Audit.event("fhir").with("status", 200 + i));
        }
        writer.close();
        assertEquals(List.of("audit event=fhir status=200", "audit event=fhir status=201", "audit event=fhir status=202",
                "audit event=fhir status=203", "audit event=fhir status=204"), written);
        assertEquals(0, dropped.get());
    }

    @Test
    void after_shutdown_an_event_is_written_at_once_rather_than_lost() {
        AuditWriter writer = new AuditWriter(10, 10, NEVER, sink(), problems);
        writer.close();
        writer.offer(Audit.event("logout").with("session", "0123456789ab"));
        assertEquals(List.of("audit event=logout session=0123456789ab"), written);
    }

    @Test
    void a_full_batch_wakes_the_writer_before_its_interval() throws InterruptedException {
        CountDownLatch three = new CountDownLatch(3);
        AuditWriter writer = new AuditWriter(100, 3, NEVER, event -> {
            written.add(text(event));
            three.countDown();
        }, problems);
        try {
            for (int i = 0; i < 3; i++) {
                writer.offer(Audit.event("fhir").with("n", i));
            }
            assertTrue(three.await(30, TimeUnit.SECONDS), "a full batch was not written: " + written);
        } finally {
            writer.close();
        }
    }

    @Test
    void flush_returns_once_everything_recorded_before_it_is_written() {
        AuditWriter writer = new AuditWriter(100, 100, NEVER, sink(), problems);
        try {
            writer.offer(Audit.event("login").with("server", "main"));
            writer.offer(Audit.event("fhir").with("status", 200));
            writer.flush();
            assertEquals(List.of("audit event=login server=main", "audit event=fhir status=200"), written);
        } finally {
            writer.close();
        }
    }

    @Test
    void when_the_output_stalls_a_full_queue_counts_what_it_drops_and_keeps_the_rest() throws InterruptedException {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AuditWriter writer = new AuditWriter(3, 1, NEVER, event -> {
            writing.countDown();
            try {
                // The output stalls on the first event (a blocked stdout pipe).
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.add(text(event));
        }, problems);
        writer.offer(Audit.event("fhir").with("n", 0));
        assertTrue(writing.await(30, TimeUnit.SECONDS), "the writer never took the first event");
        for (int i = 1; i <= 5; i++) {
            // Returns at once whatever the output does: recording runs on event loops.
            writer.offer(Audit.event("fhir").with("n", i));
        }
        assertEquals(2, dropped.get(), "three fit in the queue behind the stalled one; two did not");
        release.countDown();
        writer.close();
        assertEquals(List.of("audit event=fhir n=0", "audit event=fhir n=1", "audit event=fhir n=2",
                "audit event=fhir n=3"), written);
        assertEquals(2, reportedDrops.get(), "the writer says how many went");
    }

    @Test
    void an_event_the_output_refuses_does_not_stop_the_ones_after_it() {
        AuditWriter writer = new AuditWriter(10, 10, NEVER, event -> {
            String line = text(event);
            if (line.contains("n=1")) {
                throw new IllegalStateException("output refused");
            }
            written.add(line);
        }, problems);
        for (int i = 0; i < 3; i++) {
            writer.offer(Audit.event("fhir").with("n", i));
        }
        writer.close();
        assertEquals(List.of("audit event=fhir n=0", "audit event=fhir n=2"), written);
        assertEquals(List.of("output refused"), refused);
    }

    @Test
    void each_batch_is_bracketed_for_one_flush_and_a_failing_bracket_loses_no_event() {
        List<String> calls = new CopyOnWriteArrayList<>();
        AuditWriter writer = new AuditWriter(100, 3, NEVER, new AuditWriter.Sink() {
            @Override
            public void write(Audit.Event event) {
                calls.add(text(event));
            }

            @Override
            public void batchStarting() {
                calls.add("[");
            }

            @Override
            public void batchEnded() {
                calls.add("]");
                throw new IllegalStateException("flush failed");
            }
        }, problems);
        for (int i = 0; i < 7; i++) {
            writer.offer(Audit.event("fhir").with("n", i));
        }
        writer.close();

        // However the writer thread and close() split them: brackets of 1 to 3 events, all 7 in order.
        String shape = String.join(" ", calls).replaceAll("audit event=fhir n=\\d", "e");
        assertTrue(shape.matches("(\\[( e){1,3} \\] ?)+"), shape);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), calls.stream().filter(c -> c.startsWith("audit"))
                .map(c -> Integer.parseInt(c.substring(c.length() - 1))).toList());
        assertEquals(calls.stream().filter("]"::equals).count(), refused.size(), "each failed flush is reported");
    }

    @Test
    void values_cannot_forge_fields_and_are_bounded() {
        String line = text(Audit.event("fhir").with("resource_id", "x status=200\nforged").with("long", "a".repeat(300)));
        assertEquals("audit event=fhir resource_id=x_status=200_forged long=" + "a".repeat(256), line);
    }
}
