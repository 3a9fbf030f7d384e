package org.smartbff.token;

import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.TokenClient;
import org.smartbff.token.RefreshPolicy.Decision;
import org.smartbff.token.RefreshPolicy.TokenLife;

import io.smallrye.mutiny.Uni;

/**
 * Hands out a usable access token for a session, refreshing it when {@link RefreshPolicy} says it is due: in the last
 * fifth of its lifetime, at most {@code refresh-skew} before it expires. A still-valid token is served while a
 * proactive refresh runs; only an expired one makes callers wait. A refresh that failed is not tried again before the
 * policy's pause ({@link RefreshPauses}).
 *
 * <p>
 * The facade the proxy and logout call. The work is done by: {@link SingleFlight} (one refresh per session in this
 * process), {@link LockedRefresh} (one across replicas, with the session read again under the lock),
 * {@link RefreshCall} (the authorization server, and what its failures mean) and {@link UnsavedRefreshes} (a
 * refreshed session Redis would not take). Expected outcomes are {@link TokenOutcome}s.
 */
@ApplicationScoped
public class AccessTokens {

    private static final Logger LOG = Logger.getLogger(AccessTokens.class);

    private final RefreshPolicy policy;
    private final Clock clock;
    private final BffMetrics metrics;
    private final RefreshPauses pauses;
    private final UnsavedRefreshes unsaved;
    private final SingleFlight flights;

    public AccessTokens(SessionStore sessions, SmartServers servers, SmartDiscovery discovery, TokenClient tokens,
            IdTokenVerifier idTokens, RefreshLock lock, SmartBffConfig config, Clock clock, BffMetrics metrics,
            Audit audit) {
        this.clock = clock;
        this.metrics = metrics;
        this.policy = new RefreshPolicy(config.token().refreshSkew());
        this.pauses = new RefreshPauses(policy, clock);
        this.unsaved = new UnsavedRefreshes(sessions::replace);
        RefreshCall call = new RefreshCall(sessions, servers, discovery, tokens, idTokens, unsaved,
                config.token().lockTimeout(), clock, metrics, audit);
        LockedRefresh locked = new LockedRefresh(lock, sessions, unsaved, call, config.token().lockTimeout(), metrics);
        this.flights = new SingleFlight(locked::refresh, pauses, policy, clock);
    }

    /**
     * Whether the session's access token may be used as it is, with nothing to refresh or save first: what
     * {@link #forCall} would hand back unchanged, told without building a pipeline (the common case of a call).
     */
    public boolean usableAsIs(SessionId id, SessionRecord record) {
        if (unsaved.holds(id)) {
            return false;
        }
        Decision decision = policy.decide(TokenLife.of(record), pauses.of(id), clock.instant());
        return decision instanceof Decision.Fresh || decision instanceof Decision.Paused paused && !paused.expired();
    }

    /** The session with an access token that may be used now, or why there is none. */
    public Uni<TokenOutcome> forCall(SessionId id, SessionRecord record) {
        Instant now = clock.instant();
        TokenLife token = TokenLife.of(record);
        if (unsaved.holds(id)) {
            // Redis holds a stale copy: write the newer one first (and refresh it if due), under the lock.
            return refreshIfDue(id, record, policy.expired(token, now) ? RefreshReason.EXPIRED : RefreshReason.AHEAD);
        }
        Decision decision = policy.decide(token, pauses.of(id), now);
        if (decision instanceof Decision.Fresh) {
            return ready(record);
        }
        if (record.refreshToken() == null) {
            return policy.expired(token, now)
                    ? ended("the access token expired and no refresh token was granted")
                    : ready(record);
        }
        if (decision instanceof Decision.Paused paused) {
            if (!paused.expired()) {
                return ready(record);
            }
            LOG.debugf("Session %s: access token expired, no refresh before %s (the last one failed)", id.logId(),
                    paused.notBefore());
            metrics.refreshPaused();
            return Uni.createFrom().item(SingleFlight.PAUSED);
        }
        if (decision instanceof Decision.RefreshNow) {
            return refreshIfDue(id, record, RefreshReason.EXPIRED);
        }
        // Ahead of expiry: the current token still works, so the caller need not wait for the refresh.
        refreshIfDue(id, record, RefreshReason.AHEAD).subscribe().with(outcome -> {
            if (outcome instanceof TokenOutcome.NoToken none) {
                LOG.debugf("Refresh ahead of expiry of session %s failed: %s", id.logId(), none.reason());
            }
        }, failure -> LOG.debugf("Refresh ahead of expiry of session %s failed: %s", id.logId(), failure.getMessage()));
        return ready(record);
    }

    /**
     * The FHIR server rejected this access token (401) although it had not expired by our clock (revoked, or a clock
     * difference): refresh now, unless the session already holds another token.
     */
    public Uni<TokenOutcome> forResend(SessionId id, SessionRecord rejected) {
        if (rejected.refreshToken() == null) {
            return ended("the access token was rejected and cannot be refreshed");
        }
        if (pauses.paused(id, TokenLife.of(rejected))) {
            metrics.refreshPaused();
            return Uni.createFrom().item(SingleFlight.PAUSED);
        }
        return flights.refresh(id, rejected, RefreshReason.REJECTED,
                current -> current.accessToken().equals(rejected.accessToken()));
    }

    /** {@link #forCall} for a caller that can only go on with a token: fails with {@link NoTokenException}. */
    public Uni<SessionRecord> usable(SessionId id, SessionRecord record) {
        return forCall(id, record).map(AccessTokens::sessionOrFail);
    }

    /**
     * The session is ending: hands back (and forgets) a refreshed record this replica kept because Redis would not take
     * it, or null. Its tokens are the live ones, the ones to revoke.
     */
    public SessionRecord takeUnsaved(SessionId id) {
        return unsaved.take(id);
    }

    private Uni<TokenOutcome> refreshIfDue(SessionId id, SessionRecord record, RefreshReason reason) {
        return flights.refresh(id, record, reason, current -> policy.due(TokenLife.of(current), clock.instant()));
    }

    private static Uni<TokenOutcome> ready(SessionRecord record) {
        return Uni.createFrom().item(new TokenOutcome.Ready(record));
    }

    private static Uni<TokenOutcome> ended(String reason) {
        return Uni.createFrom().item(new TokenOutcome.SessionEnded(reason));
    }

    private static SessionRecord sessionOrFail(TokenOutcome outcome) {
        if (outcome instanceof TokenOutcome.Ready ready) {
            return ready.session();
        }
        throw new NoTokenException((TokenOutcome.NoToken) outcome);
    }
}
