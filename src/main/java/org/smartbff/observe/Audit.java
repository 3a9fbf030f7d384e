package org.smartbff.observe;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

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
        if (!LOG.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder("audit");
        event.fields.forEach((field, value) -> {
            line.append(' ').append(field).append('=').append(clean(value));
            MDC.put("audit." + field, String.valueOf(value));
        });
        try {
            LOG.info(line);
        } finally {
            event.fields.keySet().forEach(field -> MDC.remove("audit." + field));
        }
    }

    /** Values come partly from requests: no spaces or control characters, so a value cannot forge another field. */
    private static String clean(Object value) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder(Math.min(text.length(), 256));
        for (int i = 0; i < text.length() && out.length() < 256; i++) {
            char c = text.charAt(i);
            out.append(c <= 0x20 || c == 0x7f ? '_' : c);
        }
        return out.toString();
    }
}
