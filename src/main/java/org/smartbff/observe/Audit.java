package org.smartbff.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Logger;

import io.micrometer.core.instrument.Counter;

/**
 * The audit trail: who did what to which patient's data, one event per login, logout, refresh and proxied call, in its
 * own logger category ({@value #CATEGORY}) so it can be shipped and kept apart from the service log.
 *
 * <p>
 * Each event is one line {@code audit event=... key=value ...}; the same fields are in the MDC, so the JSON log format
 * carries them as structured fields. Values are identifiers of people and resources, never a token, code, secret or
 * session id (sessions are named by a prefix of the SHA-256 of their id).
 *
 * <p>
 * Recording is cheap and never blocks: the event is queued and an {@link AuditWriter} thread formats and writes it,
 * in batches, with one flush of the log's handlers per batch ({@link BatchFlushes}). The queue is bounded
 * ({@value #CAPACITY} events, about a second of the busiest load this service carries on two cores); should the output
 * stall that long, further events are counted in {@code smart_bff_audit_dropped_total} and a warning says how many.
 * What is queued is written on shutdown.
 */
@ApplicationScoped
public class Audit {

    public static final String CATEGORY = "smart-bff.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final String FQCN = Audit.class.getName();
    /** The service log, for problems of the audit trail itself. */
    private static final org.jboss.logging.Logger SERVICE_LOG = org.jboss.logging.Logger.getLogger(Audit.class);
    static final int CAPACITY = 16_384;
    /** Events that wake the writer early: one thread wake-up per this many events under load. */
    private static final int BATCH = 256;
    /** The longest an event waits when the service is quiet. */
    private static final Duration INTERVAL = Duration.ofMillis(50);
    /** "audit." + field name, made once per field name (a handful of constants in the code). */
    private static final Map<String, String> MDC_KEYS = new ConcurrentHashMap<>();

    private final AuditWriter writer;

    public Audit(BffMetrics metrics) {
        Counter dropped = metrics.auditDropped();
        BatchFlushes flushes = new BatchFlushes(LOG);
        AuditWriter.Sink sink = new AuditWriter.Sink() {
            @Override
            public void write(Event event) {
                Audit.write(event);
            }

            @Override
            public void batchStarting() {
                flushes.hold();
            }

            @Override
            public void batchEnded() {
                flushes.release();
            }
        };
        this.writer = new AuditWriter(CAPACITY, BATCH, INTERVAL, sink, new AuditWriter.Problems() {
            @Override
            public void dropped() {
                dropped.increment();
            }

            @Override
            public void droppedSince(int count) {
                SERVICE_LOG.warnf("%d audit event(s) dropped: the audit output did not keep up"
                        + " (smart_bff_audit_dropped_total counts them)", count);
            }

            @Override
            public void unwritable(RuntimeException failure) {
                SERVICE_LOG.errorf("An audit event could not be written: %s", failure.toString());
            }
        });
    }

    /** One event: fields in order. Values are taken as text when added, so the event can be written later elsewhere. */
    public static final class Event {
        private String[] names = new String[10];
        private String[] values = new String[10];
        private int size;
        /** When and where it happened: the line carries these, not the writer's. */
        private final long epochMillis = System.currentTimeMillis();
        private final String threadName = Thread.currentThread().getName();

        private Event(String name) {
            add("event", name);
        }

        public Event with(String field, Object value) {
            if (value != null) {
                add(field, value.toString());
            }
            return this;
        }

        private void add(String field, String value) {
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = field;
            values[size] = value;
            size++;
        }
    }

    public static Event event(String name) {
        return new Event(name);
    }

    public void record(Event event) {
        if (LOG.isLoggable(Level.INFO)) {
            writer.offer(event);
        }
    }

    /** Writes every event recorded so far before it returns. Blocks: for shutdown and for tests, never an event loop. */
    public void flush() {
        writer.flush();
    }

    /** Writes what is queued and stops the writer thread; later events are written as they are recorded. */
    @PreDestroy
    public void close() {
        writer.close();
    }

    /** On the writer thread: the line and its MDC, formatted once, as one log record. */
    private static void write(Event event) {
        StringBuilder line = new StringBuilder(512);
        format(event, line);
        ExtLogRecord record = new ExtLogRecord(Level.INFO, line.toString(), FQCN);
        record.setLoggerName(CATEGORY);
        record.setInstant(Instant.ofEpochMilli(event.epochMillis));
        record.setThreadName(event.threadName);
        // The record's own MDC, not the writing thread's: starts empty, then one entry per field, put straight into
        // the record's map (an intermediate map, copied by setMdc, was ~4 % of the bytes a proxied call allocates).
        record.setMdc(Map.of());
        for (int i = 0; i < event.size; i++) {
            record.putMdc(MDC_KEYS.computeIfAbsent(event.names[i], name -> "audit." + name), event.values[i]);
        }
        LOG.logRaw(record);
    }

    /** Appends {@code audit event=... key=value ...} to {@code line}. */
    static void format(Event event, StringBuilder line) {
        line.append("audit");
        for (int i = 0; i < event.size; i++) {
            appendClean(line.append(' ').append(event.names[i]).append('='), event.values[i]);
        }
    }

    /**
     * Values come partly from requests: no spaces or control characters, so a value cannot forge another field; at
     * most 256 characters. Appended in place, without an intermediate string.
     */
    private static void appendClean(StringBuilder line, String text) {
        int n = Math.min(text.length(), 256);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            line.append(c <= 0x20 || c == 0x7f ? '_' : c);
        }
    }
}
