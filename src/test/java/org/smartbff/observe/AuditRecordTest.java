package org.smartbff.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** What an audit event becomes in the log: one line, and the same fields as the record's own MDC. */
class AuditRecordTest {

    private final Logger logger = Logger.getLogger(Audit.CATEGORY);
    private final Level level = logger.getLevel();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Audit audit;

    AuditRecordTest() {
        logger.setLevel(Level.INFO);
        logger.setUseParentHandlers(false);
        logger.addHandler(capture);
        audit = new Audit(new BffMetrics(new SimpleMeterRegistry()));
    }

    @AfterEach
    void restore() {
        audit.close();
        logger.removeHandler(capture);
        logger.setUseParentHandlers(true);
        logger.setLevel(level);
    }

    @Test
    void the_record_carries_the_fields_in_its_own_mdc_with_the_recording_thread_and_time() throws Exception {
        long before = System.currentTimeMillis();
        CompletableFuture.runAsync(() -> {
            Thread.currentThread().setName("recording-thread");
            // Whatever the recording thread has in its MDC is not the event's.
            MDC.put("unrelated", "x");
            try {
                audit.record(Audit.event("fhir").with("status", 200).with("resource_type", "Patient"));
            } finally {
                MDC.remove("unrelated");
            }
        }).get(10, TimeUnit.SECONDS);
        audit.flush();

        assertEquals(1, records.size());
        ExtLogRecord record = assertInstanceOf(ExtLogRecord.class, records.get(0));
        assertEquals("audit event=fhir status=200 resource_type=Patient", record.getMessage());
        assertEquals(Map.of("audit.event", "fhir", "audit.status", "200", "audit.resource_type", "Patient"),
                record.getMdcCopy());
        assertEquals("recording-thread", record.getThreadName());
        assertEquals(Audit.CATEGORY, record.getLoggerName());
        long at = record.getInstant().toEpochMilli();
        assertTrue(at >= before && at <= System.currentTimeMillis(), "stamped when recorded");
    }
}
