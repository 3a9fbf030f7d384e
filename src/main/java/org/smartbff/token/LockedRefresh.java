package org.smartbff.token;

import java.time.Duration;
import java.util.function.Predicate;

import org.jboss.logging.Logger;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;

import io.smallrye.mutiny.Uni;

/**
 * The cross-replica half of single-flight refresh: take the session's Redis lock, read the session again (another
 * replica may have refreshed it since this request read it, and its old refresh token must not be presented again),
 * refresh only if still due, save, give the lock back. A replica that finds the lock taken waits for the holder's
 * result by re-reading the session, and takes the lock itself if the holder vanished. As oauth2-proxy's stored
 * session does: lock, reload, check again, refresh, save.
 */
final class LockedRefresh {

    /** The token broker logs under one category, as it did before it was split, so log filters keep working. */
    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    /** How often a replica waiting for another one's refresh looks at the session again. */
    private static final Duration LOCK_POLL_INTERVAL = Duration.ofMillis(50);

    private final RefreshLock lock;
    private final SessionStore sessions;
    private final UnsavedRefreshes unsaved;
    private final RefreshCall call;
    private final Duration lockTimeout;
    private final BffMetrics metrics;

    LockedRefresh(RefreshLock lock, SessionStore sessions, UnsavedRefreshes unsaved, RefreshCall call,
            Duration lockTimeout, BffMetrics metrics) {
        this.lock = lock;
        this.sessions = sessions;
        this.unsaved = unsaved;
        this.call = call;
        this.lockTimeout = lockTimeout;
        this.metrics = metrics;
    }

    /**
     * @param due whether the session as stored still needs this refresh (false once someone else has made it)
     */
    Uni<TokenOutcome> refresh(SessionId id, Predicate<SessionRecord> due, RefreshReason reason) {
        return underLock(id, System.nanoTime() + lockTimeout.toNanos(), due, reason);
    }

    private Uni<TokenOutcome> underLock(SessionId id, long giveUpAtNanos, Predicate<SessionRecord> due,
            RefreshReason reason) {
        return lock.tryAcquire(id, lockTimeout).flatMap(owner -> {
            if (owner == null) {
                return waitForHolder(id, giveUpAtNanos, due, reason);
            }
            return sessions.findInStore(id).flatMap(current -> refreshIfStillDue(id, current, due, reason))
                    .eventually(() -> lock.release(id, owner).onFailure().recoverWithNull());
        });
    }

    private Uni<TokenOutcome> waitForHolder(SessionId id, long giveUpAtNanos, Predicate<SessionRecord> due,
            RefreshReason reason) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(LOCK_POLL_INTERVAL)
                .flatMap(ignored -> sessions.findInStore(id))
                .flatMap(current -> {
                    if (current == null) {
                        return Uni.createFrom().item(new TokenOutcome.SessionEnded("the session ended"));
                    }
                    if (!due.test(current)) {
                        LOG.debugf("Session %s was refreshed by another replica", id.logId());
                        metrics.refresh("lock_wait");
                        return Uni.createFrom().item(new TokenOutcome.Ready(current));
                    }
                    if (System.nanoTime() - giveUpAtNanos > 0) {
                        return Uni.createFrom().item(new TokenOutcome.Unavailable(
                                "a refresh in progress on another replica did not finish in time"));
                    }
                    return underLock(id, giveUpAtNanos, due, reason);
                });
    }

    private Uni<TokenOutcome> refreshIfStillDue(SessionId id, SessionRecord current, Predicate<SessionRecord> due,
            RefreshReason reason) {
        if (current == null) {
            unsaved.forget(id);
            return Uni.createFrom().item(new TokenOutcome.SessionEnded("the session ended"));
        }
        SessionRecord newer = unsaved.newer(id);
        if (newer != null) {
            // This replica refreshed the session last but could not save it: that record is the live one.
            return unsaved.save(id, newer).flatMap(ignored -> due.test(newer)
                    ? call.refresh(id, newer, reason)
                    : Uni.createFrom().item(new TokenOutcome.Ready(newer)));
        }
        if (!due.test(current)) {
            // Someone else refreshed it since it was read.
            LOG.debugf("Session %s: already refreshed since this copy was read", id.logId());
            return Uni.createFrom().item(new TokenOutcome.Ready(current));
        }
        return call.refresh(id, current, reason);
    }
}
