package org.smartbff.token;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;

import io.smallrye.mutiny.Uni;

/**
 * Sessions refreshed by this replica that could not be written to Redis, by session hash. The server has rotated the
 * refresh token by then: the one in Redis is dead, and presenting it would end the grant (invalid_grant). So the
 * refreshed record is served from here, and written to Redis (under the refresh lock) before anything else is done
 * with that session; a logout revokes its tokens, the live ones. Bounded: past {@link #MAX_SESSIONS} entries the
 * oldest knowledge is dropped, which only brings back the behaviour without this memory.
 */
final class UnsavedRefreshes {

    /** Writes a session to Redis; {@code SessionStore#replace} in the service. */
    @FunctionalInterface
    interface Store {
        Uni<Void> replace(SessionId id, SessionRecord record);
    }

    /** The token broker logs under one category, as it did before it was split, so log filters keep working. */
    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    static final int MAX_SESSIONS = 10_000;
    /** Attempts to write a refreshed session before keeping it here. */
    static final int SAVE_ATTEMPTS = 3;
    /** First pause before writing a refreshed session again. */
    private static final Duration SAVE_RETRY_BACKOFF = Duration.ofMillis(20);

    private final Map<String, SessionRecord> unsaved = new ConcurrentHashMap<>();
    private final Store store;

    UnsavedRefreshes(Store store) {
        this.store = store;
    }

    boolean holds(SessionId id) {
        return unsaved.containsKey(id.hash());
    }

    /** The refreshed record Redis does not have yet, or null. */
    SessionRecord newer(SessionId id) {
        return unsaved.get(id.hash());
    }

    /** Hands back and forgets the kept record, or null: the session is ending. */
    SessionRecord take(SessionId id) {
        return unsaved.remove(id.hash());
    }

    /** The session ended: what was kept for it has no use. */
    void forget(SessionId id) {
        unsaved.remove(id.hash());
    }

    /**
     * Writes a refreshed session, trying again briefly: the refresh token in it is the only one the server still
     * accepts. When Redis keeps refusing, the record is kept here and the call goes on with it: its access token is
     * good, so the user's request need not fail. Never fails.
     */
    Uni<Void> save(SessionId id, SessionRecord refreshed) {
        String key = id.hash();
        return Uni.createFrom().deferred(() -> store.replace(id, refreshed))
                .onFailure().retry().withBackOff(SAVE_RETRY_BACKOFF, SAVE_RETRY_BACKOFF.multipliedBy(5))
                .atMost(SAVE_ATTEMPTS - 1)
                // Whatever this replica kept for the session is older than what was just written (one refresh or save
                // per session at a time: single-flight and the lock): forget it, or it would later overwrite this one.
                .invoke(() -> unsaved.remove(key))
                .onFailure().recoverWithItem(failure -> {
                    if (unsaved.size() >= MAX_SESSIONS) {
                        unsaved.clear();
                    }
                    unsaved.put(key, refreshed);
                    LOG.warnf("Session %s was refreshed but could not be saved (%s); this replica keeps it until Redis"
                            + " takes it", id.logId(), failure.getMessage());
                    return null;
                });
    }
}
