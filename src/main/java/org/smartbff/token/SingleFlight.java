package org.smartbff.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.jboss.logging.Logger;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.token.RefreshPolicy.TokenLife;

import io.smallrye.mutiny.Uni;

/**
 * The in-process half of single-flight refresh: one refresh per session at a time in this replica, shared by every
 * caller that asks meanwhile. A correctness requirement, not an optimisation: servers with single-use refresh tokens
 * treat a second use as theft and revoke the whole grant. A refresh the authorization server could not make (or that
 * another replica's lock held up too long) pauses the next attempt for that token; success or an ended session clears
 * the pause. A failure nobody expected (Redis) does not pause: it is not the token endpoint's load, and a refreshed
 * record kept in memory must reach Redis as soon as it can.
 */
final class SingleFlight {

    /** The refresh a flight runs: across replicas, {@link LockedRefresh#refresh}. */
    @FunctionalInterface
    interface Refresh {
        Uni<TokenOutcome> run(SessionId id, Predicate<SessionRecord> due, RefreshReason reason);
    }

    /** The token broker logs under one category, as it did before it was split, so log filters keep working. */
    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    static final TokenOutcome.Unavailable PAUSED = new TokenOutcome.Unavailable(
            "the last refresh failed and the next is not due yet");

    private final Map<String, Uni<TokenOutcome>> inFlight = new ConcurrentHashMap<>();
    private final Refresh refresh;
    private final RefreshPauses pauses;
    private final RefreshPolicy policy;
    private final Clock clock;

    SingleFlight(Refresh refresh, RefreshPauses pauses, RefreshPolicy policy, Clock clock) {
        this.refresh = refresh;
        this.pauses = pauses;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * The session's refresh: this caller's own, or the one already running here.
     *
     * @param seen the session as this caller read it: its token is the one whose failures pause the next attempt
     */
    Uni<TokenOutcome> refresh(SessionId id, SessionRecord seen, RefreshReason reason, Predicate<SessionRecord> due) {
        String key = id.hash();
        // The entry is removed when the refresh ends; a later caller then starts from the saved session.
        return inFlight.computeIfAbsent(key, ignored -> {
            TokenLife token = TokenLife.of(seen);
            if (pauses.paused(id, token)) {
                // The attempt this caller saw running has just failed: its pause holds for this caller too.
                return Uni.createFrom().<TokenOutcome> item(PAUSED)
                        .onTermination().invoke(() -> inFlight.remove(key))
                        .memoize().indefinitely();
            }
            logDecision(id, token, reason);
            return refresh.run(id, due, reason)
                    .invoke(outcome -> {
                        if (outcome instanceof TokenOutcome.Unavailable) {
                            pauses.failed(id, token);
                        } else {
                            pauses.clear(id);
                        }
                    })
                    .onTermination().invoke(() -> inFlight.remove(key))
                    .memoize().indefinitely();
        });
    }

    /** The refresh decision, for the debug log: why, and where the token stood in its life. Never a token. */
    private void logDecision(SessionId id, TokenLife token, RefreshReason reason) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        Instant now = clock.instant();
        LOG.debugf("Session %s: refresh due (%s); access token expires %s, lifetime %s, refreshed from %s before expiry",
                id.logId(), reason, token.expiresAt() == null ? "unknown"
                        : "in " + Duration.between(now, token.expiresAt()).toMillis() + " ms",
                token.lifetime() == null ? "unknown" : token.lifetime().toMillis() + " ms",
                policy.margin(token).toMillis() + " ms");
    }
}
