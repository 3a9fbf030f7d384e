package org.smartbff.proxy;

import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;

/** What is known of one proxied call as it goes, for its metrics and its audit event. Event-loop confined. */
final class CallRecord {

    static final String KEY = "smart-bff.call";

    final String method;
    final long startedAt;
    String path;
    SessionId sessionId;
    SessionRecord session;

    CallRecord(String method, long startedAt) {
        this.method = method;
        this.startedAt = startedAt;
    }

    void path(String path) {
        this.path = path;
    }

    void session(SessionId id, SessionRecord record) {
        this.sessionId = id;
        this.session = record;
    }
}
