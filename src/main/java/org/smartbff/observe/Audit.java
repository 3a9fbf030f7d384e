package org.smartbff.observe;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Logger;

/**
 * The audit trail: who did what to which patient's data, one event per login, logout, refresh and proxied call, in its
 * own logger category ({@value #CATEGORY}) so it can be shipped and kept apart from the service log.
 *
 * <p>
 * Each event is one line {@code audit event=... key=value ...}; the same fields are in the MDC, so the JSON log format
 * carries them as structured fields. Values are identifiers of people and resources, never a token, code, secret or
 * session id (sessions are named by a prefix of the SHA-256 of their id).
 */
@ApplicationScoped
public class Audit {

    public static final String CATEGORY = "smart-bff.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final String FQCN = Audit.class.getName();
    /** "audit." + field name, made once per field name (a handful of constants in the code). */
    private static final Map<String, String> MDC_KEYS = new ConcurrentHashMap<>();

    /** One event: fields in order. */
    public static final class Event {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Event(String name) {
            fields.put("event", name);
        }

        public Event with(String field, Object value) {
            if (value != null) {
                fields.put(field, value);
            }
            return this;
        }
    }

    public static Event event(String name) {
        return new Event(name);
    }

    public void record(Event event) {
        if (!LOG.isLoggable(Level.INFO)) {
            return;
        }
        StringBuilder line = new StringBuilder(160).append("audit");
        Map<String, String> mdc = new HashMap<>(event.fields.size() * 2);
        for (Map.Entry<String, Object> field : event.fields.entrySet()) {
            String value = String.valueOf(field.getValue());
            appendClean(line.append(' ').append(field.getKey()).append('='), value);
            mdc.put(MDC_KEYS.computeIfAbsent(field.getKey(), name -> "audit." + name), value);
        }
        // One record with its own MDC, instead of putting each field into the thread's MDC and taking it out again:
        // that MDC is copy-on-write, so every put and remove copied a map, on every proxied call.
        ExtLogRecord record = new ExtLogRecord(Level.INFO, line.toString(), FQCN);
        record.setLoggerName(CATEGORY);
        record.setMdc(mdc);
        LOG.logRaw(record);
    }

    /**
     * Values come partly from requests: no spaces or control characters, so a value cannot forge another field; at
     * most 256 characters. Appended in place, without an intermediate string (this runs for every proxied call).
     */
    private static void appendClean(StringBuilder line, String text) {
        int n = Math.min(text.length(), 256);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            line.append(c <= 0x20 || c == 0x7f ? '_' : c);
        }
    }
}
