package org.smartbff.token;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;
import org.smartbff.session.SessionId;
import org.smartbff.token.RefreshPolicy.Retry;
import org.smartbff.token.RefreshPolicy.TokenLife;

/**
 * The sessions whose last refresh here failed, by session hash: their next attempt waits (see
 * {@link RefreshPolicy#failed}). Each replica pauses on its own, so a token endpoint that is down sees at most one
 * attempt per session, replica and pause. Bounded: past {@link #MAX_SESSIONS} entries they are all forgotten, which
 * only allows one early attempt each.
 */
final class RefreshPauses {

    /** The token broker logs under one category, as it did before it was split, so log filters keep working. */
    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    static final int MAX_SESSIONS = 10_000;

    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    private final RefreshPolicy policy;
    private final Clock clock;

    RefreshPauses(RefreshPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    /** The session's failures in a row, or null. */
    Retry of(SessionId id) {
        return retries.get(id.hash());
    }

    /** Whether a refresh of this token must wait: the last one failed and its pause is not over. */
    boolean paused(SessionId id, TokenLife token) {
        return policy.paused(token, retries.get(id.hash()), clock.instant());
    }

    /** A refresh of {@code token} failed for a reason that may pass: the next one waits longer. */
    void failed(SessionId id, TokenLife token) {
        if (retries.size() >= MAX_SESSIONS) {
            retries.clear();
        }
        Retry retry = retries.compute(id.hash(), (key, previous) -> policy.failed(token, previous, clock.instant()));
        LOG.debugf("Session %s: refresh failure %d in a row, the next attempt not before %s", id.logId(),
                retry.failures(), retry.notBefore());
    }

    /** The refresh succeeded, or the session ended: nothing to wait for. */
    void clear(SessionId id) {
        retries.remove(id.hash());
    }
}
