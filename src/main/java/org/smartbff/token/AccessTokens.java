package org.smartbff.token;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.smart.TokenClient;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenResponse;
import org.smartbff.token.RefreshPolicy.Decision;
import org.smartbff.token.RefreshPolicy.Retry;
import org.smartbff.token.RefreshPolicy.TokenLife;

import io.smallrye.mutiny.Uni;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;

/**
 * Hands out a usable access token for a session, refreshing it when {@link RefreshPolicy} says it is due: in the last
 * fifth of its lifetime, at most {@code refresh-skew} before it expires. A refresh that failed is not tried again
 * before the policy's pause.
 *
 * <p>
 * Refresh is single-flight per session in this process: concurrent callers share one in-flight refresh. That is a
 * correctness requirement, not an optimisation: servers with single-use refresh tokens treat a second use as theft and
 * revoke the whole grant. Before refreshing, the session is read again from Redis, because another request (or
 * replica) may have refreshed it since the caller read it, and its old refresh token must not be presented again.
 * A still-valid token is served while a proactive refresh runs; only an expired one makes callers wait.
 */
@ApplicationScoped
public class AccessTokens {

    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    /** How often a replica waiting for another one's refresh looks at the session again. */
    private static final java.time.Duration LOCK_POLL_INTERVAL = java.time.Duration.ofMillis(50);
    /** First pause before writing a refreshed session again. */
    private static final java.time.Duration SAVE_RETRY_BACKOFF = java.time.Duration.ofMillis(20);

    private final SessionStore sessions;
    private final SmartServers servers;
    private final SmartDiscovery discovery;
    private final TokenClient tokens;
    private final IdTokenVerifier idTokens;
    private final SmartBffConfig.Token config;
    private final Clock clock;
    private final RefreshLock lock;
    private final BffMetrics metrics;
    private final Audit audit;
    private final Map<String, Uni<SessionRecord>> inFlight = new ConcurrentHashMap<>();
    private final RefreshPolicy policy;
    /**
     * The sessions whose last refresh here failed, by session hash: their next attempt waits (see
     * {@link RefreshPolicy#failed}). Each replica pauses on its own, so a token endpoint that is down sees at most one
     * attempt per session, replica and pause. Bounded like {@link #unsaved}: past {@link #MAX_UNSAVED} entries they are
     * forgotten, which only allows one early attempt each.
     */
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    /**
     * Sessions refreshed by this replica that could not be written to Redis, by session hash. The server has rotated
     * the refresh token by then: the one in Redis is dead, and presenting it would end the grant (invalid_grant). So
     * the refreshed record is served from here, and written to Redis (under the refresh lock) before anything else
     * is done with that session. Bounded: past {@link #MAX_UNSAVED} entries the oldest knowledge is dropped, which
     * only brings back the behaviour without this map.
     */
    private final Map<String, SessionRecord> unsaved = new ConcurrentHashMap<>();
    private static final int MAX_UNSAVED = 10_000;
    /** Attempts to write a refreshed session before keeping it in {@link #unsaved}. */
    private static final int SAVE_ATTEMPTS = 3;
    /** Why a refresh is made; its tag is what the metrics and the debug log say. */
    private enum Reason {
        /** Due, before expiry: callers go on with the current token. */
        AHEAD("ahead"),
        /** Expired: callers wait. */
        EXPIRED("expired"),
        /** The FHIR server answered 401 to a token we held valid. */
        REJECTED("rejected");

        final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        @Override
        public String toString() {
            return tag;
        }
    }

    public AccessTokens(SessionStore sessions, SmartServers servers, SmartDiscovery discovery, TokenClient tokens,
            IdTokenVerifier idTokens, RefreshLock lock, SmartBffConfig config, Clock clock, BffMetrics metrics,
            Audit audit) {
        this.lock = lock;
        this.metrics = metrics;
        this.audit = audit;
        this.sessions = sessions;
        this.servers = servers;
        this.discovery = discovery;
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.config = config.token();
        this.clock = clock;
        this.policy = new RefreshPolicy(this.config.refreshSkew());
    }

    /**
     * Whether the session's access token may be used as it is, with nothing to refresh or save first: what
     * {@link #usable} would hand back unchanged, told without building a pipeline (the common case of a call).
     */
    public boolean usableAsIs(SessionId id, SessionRecord record) {
        if (unsaved.containsKey(id.hash())) {
            return false;
        }
        Decision decision = policy.decide(TokenLife.of(record), retries.get(id.hash()), clock.instant());
        return decision instanceof Decision.Fresh || decision instanceof Decision.Paused paused && !paused.expired();
    }

    /**
     * The session with an access token that may be used now.
     *
     * @return fails with {@link SessionExpiredException} or {@link TokenServiceUnavailableException}
     */
    public Uni<SessionRecord> usable(SessionId id, SessionRecord record) {
        Instant now = clock.instant();
        TokenLife token = TokenLife.of(record);
        if (unsaved.containsKey(id.hash())) {
            // Redis holds a stale copy: write the newer one first (and refresh it if due), under the lock.
            return refreshOnce(id, record, policy.expired(token, now) ? Reason.EXPIRED : Reason.AHEAD);
        }
        Decision decision = policy.decide(token, retries.get(id.hash()), now);
        if (decision instanceof Decision.Fresh) {
            return Uni.createFrom().item(record);
        }
        if (record.refreshToken() == null) {
            return policy.expired(token, now)
                    ? Uni.createFrom().failure(new SessionExpiredException("the access token expired and no refresh token was granted"))
                    : Uni.createFrom().item(record);
        }
        if (decision instanceof Decision.Paused paused) {
            if (!paused.expired()) {
                return Uni.createFrom().item(record);
            }
            LOG.debugf("Session %s: access token expired, no refresh before %s (the last one failed)", id.logId(),
                    paused.notBefore());
            metrics.refreshPaused();
            return Uni.createFrom().failure(pausedFailure());
        }
        if (decision instanceof Decision.RefreshNow) {
            return refreshOnce(id, record, Reason.EXPIRED);
        }
        // Ahead of expiry: the current token still works, so the caller need not wait for the refresh.
        refreshOnce(id, record, Reason.AHEAD).subscribe().with(ignored -> {
        }, failure -> LOG.debugf("Refresh ahead of expiry of session %s failed: %s", id.logId(), failure.getMessage()));
        return Uni.createFrom().item(record);
    }

    /**
     * The session is ending: hands back (and forgets) a refreshed record this replica kept because Redis would not take
     * it, or null. Its tokens are the live ones, the ones to revoke.
     */
    public SessionRecord takeUnsaved(SessionId id) {
        return unsaved.remove(id.hash());
    }

    /**
     * The FHIR server rejected this access token (401) although it had not expired by our clock (revoked, or a clock
     * difference): refresh now, unless the session already holds another token.
     */
    public Uni<SessionRecord> afterRejection(SessionId id, SessionRecord rejected) {
        if (rejected.refreshToken() == null) {
            return Uni.createFrom().failure(new SessionExpiredException("the access token was rejected and cannot be refreshed"));
        }
        if (policy.paused(TokenLife.of(rejected), retries.get(id.hash()), clock.instant())) {
            metrics.refreshPaused();
            return Uni.createFrom().failure(pausedFailure());
        }
        return single(id, rejected, Reason.REJECTED,
                current -> current.accessToken().equals(rejected.accessToken()));
    }

    private Uni<SessionRecord> refreshOnce(SessionId id, SessionRecord record, Reason reason) {
        return single(id, record, reason, current -> policy.due(TokenLife.of(current), clock.instant()));
    }

    /**
     * One refresh per session in this process: callers meanwhile share it. When the authorization server could not
     * be reached (or answered 5xx, or the replica holding the lock never finished), the next attempt for
     * {@code seen}'s token pauses; success ends any pause. A Redis failure does not pause: it is not the token
     * endpoint's load, and a refreshed record kept in memory must reach Redis as soon as it can.
     */
    private Uni<SessionRecord> single(SessionId id, SessionRecord seen, Reason reason, Predicate<SessionRecord> due) {
        String key = id.hash();
        // The entry is removed when the refresh ends; a later caller then starts from the saved session.
        return inFlight.computeIfAbsent(key, ignored -> {
            TokenLife token = TokenLife.of(seen);
            if (policy.paused(token, retries.get(key), clock.instant())) {
                // The attempt this caller saw running has just failed: its pause holds for this caller too.
                return Uni.createFrom().<SessionRecord> failure(AccessTokens::pausedFailure)
                        .onTermination().invoke(() -> inFlight.remove(key))
                        .memoize().indefinitely();
            }
            logDecision(id, token, reason);
            return refreshUnderLock(id, System.nanoTime() + config.lockTimeout().toNanos(), due, reason)
                    .invoke(() -> retries.remove(key))
                    .onFailure().invoke(failure -> {
                        if (failure instanceof TokenServiceUnavailableException) {
                            pause(id, token);
                        } else if (failure instanceof SessionExpiredException) {
                            retries.remove(key);
                        }
                    })
                    .onTermination().invoke(() -> inFlight.remove(key))
                    .memoize().indefinitely();
        });
    }

    private void pause(SessionId id, TokenLife token) {
        if (retries.size() >= MAX_UNSAVED) {
            retries.clear();
        }
        Retry retry = retries.compute(id.hash(), (key, previous) -> policy.failed(token, previous, clock.instant()));
        LOG.debugf("Session %s: refresh failure %d in a row, the next attempt not before %s", id.logId(),
                retry.failures(), retry.notBefore());
    }

    private static TokenServiceUnavailableException pausedFailure() {
        return new TokenServiceUnavailableException("the last refresh failed and the next is not due yet");
    }

    /** The refresh decision, for the debug log: why, and where the token stood in its life. Never a token. */
    private void logDecision(SessionId id, TokenLife token, Reason reason) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        Instant now = clock.instant();
        LOG.debugf("Session %s: refresh due (%s); access token expires %s, lifetime %s, refreshed from %s before expiry",
                id.logId(), reason, token.expiresAt() == null ? "unknown"
                        : "in " + java.time.Duration.between(now, token.expiresAt()).toMillis() + " ms",
                token.lifetime() == null ? "unknown" : token.lifetime().toMillis() + " ms",
                policy.margin(token).toMillis() + " ms");
    }

    /**
     * Across replicas: take the session's Redis lock, read the session again (another replica may have refreshed it
     * since this request read it), refresh only if still due, save, give the lock back. A replica that finds the lock
     * taken waits for the holder's result by re-reading the session, and takes the lock itself if the holder vanished.
     */
    private Uni<SessionRecord> refreshUnderLock(SessionId id, long giveUpAtNanos, Predicate<SessionRecord> due,
            Reason reason) {
        return lock.tryAcquire(id, config.lockTimeout()).flatMap(owner -> {
            if (owner == null) {
                return waitForHolder(id, giveUpAtNanos, due, reason);
            }
            return sessions.findInStore(id).flatMap(current -> refreshIfStillDue(id, current, due, reason))
                    .eventually(() -> lock.release(id, owner).onFailure().recoverWithNull());
        });
    }

    private Uni<SessionRecord> waitForHolder(SessionId id, long giveUpAtNanos, Predicate<SessionRecord> due,
            Reason reason) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(LOCK_POLL_INTERVAL)
                .flatMap(ignored -> sessions.findInStore(id))
                .flatMap(current -> {
                    if (current == null) {
                        return Uni.createFrom().failure(new SessionExpiredException("the session ended"));
                    }
                    if (!due.test(current)) {
                        LOG.debugf("Session %s was refreshed by another replica", id.logId());
                        metrics.refresh("lock_wait");
                        return Uni.createFrom().item(current);
                    }
                    if (System.nanoTime() - giveUpAtNanos > 0) {
                        return Uni.createFrom().failure(new TokenServiceUnavailableException(
                                "a refresh in progress on another replica did not finish in time"));
                    }
                    return refreshUnderLock(id, giveUpAtNanos, due, reason);
                });
    }

    private Uni<SessionRecord> refreshIfStillDue(SessionId id, SessionRecord current, Predicate<SessionRecord> due,
            Reason reason) {
        if (current == null) {
            unsaved.remove(id.hash());
            return Uni.createFrom().failure(new SessionExpiredException("the session ended"));
        }
        SessionRecord newer = unsaved.get(id.hash());
        if (newer != null) {
            // This replica refreshed the session last but could not save it: that record is the live one.
            return save(id, newer).flatMap(ignored -> due.test(newer)
                    ? refreshAtServer(id, newer, reason)
                    : Uni.createFrom().item(newer));
        }
        if (!due.test(current)) {
            // Someone else refreshed it since it was read.
            LOG.debugf("Session %s: already refreshed since this copy was read", id.logId());
            return Uni.createFrom().item(current);
        }
        return refreshAtServer(id, current, reason);
    }

    /**
     * Writes a refreshed session, trying again briefly: the refresh token in it is the only one the server still
     * accepts. When Redis keeps refusing, the record is kept in {@link #unsaved} and the call goes on with it: its
     * access token is good, so the user's request need not fail.
     */
    private Uni<Void> save(SessionId id, SessionRecord refreshed) {
        String key = id.hash();
        return Uni.createFrom().deferred(() -> sessions.replace(id, refreshed))
                .onFailure().retry().withBackOff(SAVE_RETRY_BACKOFF, SAVE_RETRY_BACKOFF.multipliedBy(5))
                .atMost(SAVE_ATTEMPTS - 1)
                // Whatever this replica kept for the session is older than what was just written (one refresh or save
                // per session at a time: single-flight and the lock): forget it, or it would later overwrite this one.
                .invoke(() -> unsaved.remove(key))
                .onFailure().recoverWithItem(failure -> {
                    if (unsaved.size() >= MAX_UNSAVED) {
                        unsaved.clear();
                    }
                    unsaved.put(key, refreshed);
                    LOG.warnf("Session %s was refreshed but could not be saved (%s); this replica keeps it until Redis"
                            + " takes it", id.logId(), failure.getMessage());
                    return null;
                });
    }

    private Uni<SessionRecord> refreshAtServer(SessionId id, SessionRecord current, Reason reason) {
        SmartServer server = servers.byName(current.server()).orElse(null);
        if (server == null) {
            return sessions.delete(id).replaceWith(Uni.createFrom()
                    .failure(new SessionExpiredException("the session's server is no longer configured")));
        }
        long[] answeredAt = new long[1];
        return discovery.discover(server)
                .call(idTokens::prefetchKeys)
                .flatMap(smart -> {
                    // The new token's life is counted from the request: the server started it no earlier.
                    Instant asked = clock.instant();
                    return tokens.refresh(server, smart, current.refreshToken())
                            // A refresh must not outlive its lock: past it another replica may take over (and a
                            // silent token endpoint would otherwise hold the caller until the client gives up).
                            .ifNoItem().after(config.lockTimeout()).failWith(() -> new TokenEndpointException(
                                    TokenEndpointException.Kind.UNAVAILABLE, "temporarily_unavailable",
                                    "the token endpoint did not answer within the lock timeout"))
                            .invoke(() -> answeredAt[0] = System.nanoTime())
                            .flatMap(response -> verifiedIdentity(response, smart, server, current)
                                    .map(identity -> current.refreshed(response, identity, asked)));
                })
                .call(refreshed -> save(id, refreshed))
                .invoke(() -> metrics.refreshUnsavedWindow(java.time.Duration.ofNanos(System.nanoTime() - answeredAt[0])))
                .invoke(refreshed -> {
                    LOG.debugf("Refreshed the access token of session %s (%s)", id.logId(), reason);
                    metrics.refresh("ok");
                    metrics.refreshed(reason.tag, lifetimeUsed(current));
                    audit.record(Audit.event("refresh").with("session", id.logId()).with("server", refreshed.server())
                            .with("fhir_user", refreshed.identity() != null ? refreshed.identity().fhirUser() : null));
                })
                .onFailure().recoverWithUni(failure -> classify(id, server, failure));
    }

    /** The share of the replaced token's lifetime that had passed: about 0.8 in the steady state; NaN when unknown. */
    private double lifetimeUsed(SessionRecord replaced) {
        TokenLife token = TokenLife.of(replaced);
        java.time.Duration lifetime = token.lifetime();
        if (lifetime == null || lifetime.isZero()) {
            return Double.NaN;
        }
        return (double) java.time.Duration.between(token.issuedAt(), clock.instant()).toMillis() / lifetime.toMillis();
    }

    private Uni<IdTokenClaims> verifiedIdentity(TokenResponse response,
            org.smartbff.smart.SmartConfiguration smart, SmartServer server, SessionRecord current) {
        if (response.idToken() == null) {
            return Uni.createFrom().nullItem();
        }
        return idTokens.verifyAtRefresh(response.idToken(), smart, server.clientId(), current.identity());
    }

    private Uni<SessionRecord> classify(SessionId id, SmartServer server, Throwable failure) {
        if (failure instanceof TokenEndpointException token && token.endsSession()) {
            LOG.infof("Refresh of session %s was rejected (%s): the session ends", id.logId(), token.error());
            metrics.refresh("invalid_grant");
            audit.record(Audit.event("refresh_rejected").with("session", id.logId()).with("error", token.error()));
            unsaved.remove(id.hash());
            return sessions.delete(id).replaceWith(Uni.createFrom()
                    .failure(new SessionExpiredException("the authorization server ended the grant")));
        }
        if (failure instanceof IdTokenException idToken) {
            LOG.warnf("Refresh of session %s returned an id token that does not verify (%s): the session ends",
                    id.logId(), idToken.getMessage());
            unsaved.remove(id.hash());
            return sessions.delete(id).replaceWith(Uni.createFrom()
                    .failure(new SessionExpiredException("the refreshed identity did not verify")));
        }
        if (failure instanceof ServerDataException refused) {
            // The refreshed tokens or identity break the rules a login's must pass. Nothing of them is stored; the
            // session ends rather than going on with a grant whose server just sent what it should not (and whose
            // old refresh token it may already have rotated away).
            LOG.warnf("Refresh of session %s at server %s was refused (%s): the session ends", id.logId(),
                    server.name(), refused.getMessage());
            metrics.refresh("invalid_server_data");
            metrics.serverDataRefused("refresh", refused.member());
            audit.record(Audit.event("server_data_refused").with("stage", "refresh").with("session", id.logId())
                    .with("server", server.name()).with("member", refused.member()));
            unsaved.remove(id.hash());
            return sessions.delete(id).replaceWith(Uni.createFrom()
                    .failure(new SessionExpiredException("the refreshed tokens were refused")));
        }
        if (failure instanceof SessionExpiredException) {
            return Uni.createFrom().failure(failure);
        }
        LOG.warnf("Refresh of session %s failed and will be tried again: %s", id.logId(), failure.getMessage());
        metrics.refresh("network");
        return Uni.createFrom().failure(new TokenServiceUnavailableException("the authorization server is not available"));
    }
}
