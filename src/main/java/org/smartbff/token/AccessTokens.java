package org.smartbff.token;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.config.SmartServers;
import org.smartbff.config.SmartServers.SmartServer;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.TokenClient;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenResponse;

import io.smallrye.mutiny.Uni;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;

/**
 * Hands out a usable access token for a session, refreshing it when it expires within the configured skew.
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
    }

    /**
     * Whether the session's access token may be used as it is, with nothing to refresh or save first: what
     * {@link #usable} would hand back unchanged, told without building a pipeline (the common case of a call).
     */
    public boolean usableAsIs(SessionId id, SessionRecord record) {
        return !record.accessTokenExpiresWithin(config.refreshSkew(), clock.instant()) && !unsaved.containsKey(id.hash());
    }

    /**
     * The session with an access token that may be used now.
     *
     * @return fails with {@link SessionExpiredException} or {@link TokenServiceUnavailableException}
     */
    public Uni<SessionRecord> usable(SessionId id, SessionRecord record) {
        if (unsaved.containsKey(id.hash())) {
            // Redis holds a stale copy: write the newer one first (and refresh it if due), under the lock.
            return refreshOnce(id, record);
        }
        Instant now = clock.instant();
        if (!record.accessTokenExpiresWithin(config.refreshSkew(), now)) {
            return Uni.createFrom().item(record);
        }
        if (record.refreshToken() == null) {
            return record.accessTokenExpired(now)
                    ? Uni.createFrom().failure(new SessionExpiredException("the access token expired and no refresh token was granted"))
                    : Uni.createFrom().item(record);
        }
        Uni<SessionRecord> refresh = refreshOnce(id, record);
        if (!record.accessTokenExpired(now)) {
            // Proactive: the current token still works, so the caller need not wait for the refresh.
            refresh.subscribe().with(ignored -> {
            }, failure -> LOG.debugf("Proactive refresh of session %s failed: %s", id.logId(), failure.getMessage()));
            return Uni.createFrom().item(record);
        }
        return refresh;
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
        return single(id, () -> refreshUnderLock(id, System.nanoTime() + config.lockTimeout().toNanos(),
                current -> current.accessToken().equals(rejected.accessToken())));
    }

    private Uni<SessionRecord> refreshOnce(SessionId id, SessionRecord record) {
        return single(id, () -> refreshUnderLock(id, System.nanoTime() + config.lockTimeout().toNanos(),
                current -> current.accessTokenExpiresWithin(config.refreshSkew(), clock.instant())));
    }

    /** One refresh per session in this process: callers meanwhile share it. */
    private Uni<SessionRecord> single(SessionId id, java.util.function.Supplier<Uni<SessionRecord>> refresh) {
        String key = id.hash();
        // The entry is removed when the refresh ends; a later caller then starts from the saved session.
        return inFlight.computeIfAbsent(key, ignored -> refresh.get()
                .onTermination().invoke(() -> inFlight.remove(key))
                .memoize().indefinitely());
    }

    /**
     * Across replicas: take the session's Redis lock, read the session again (another replica may have refreshed it
     * since this request read it), refresh only if still due, save, give the lock back. A replica that finds the lock
     * taken waits for the holder's result by re-reading the session, and takes the lock itself if the holder vanished.
     */
    private Uni<SessionRecord> refreshUnderLock(SessionId id, long giveUpAtNanos, Predicate<SessionRecord> due) {
        return lock.tryAcquire(id, config.lockTimeout()).flatMap(owner -> {
            if (owner == null) {
                return waitForHolder(id, giveUpAtNanos, due);
            }
            return sessions.findInStore(id).flatMap(current -> refreshIfStillDue(id, current, due))
                    .eventually(() -> lock.release(id, owner).onFailure().recoverWithNull());
        });
    }

    private Uni<SessionRecord> waitForHolder(SessionId id, long giveUpAtNanos, Predicate<SessionRecord> due) {
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
                    return refreshUnderLock(id, giveUpAtNanos, due);
                });
    }

    private Uni<SessionRecord> refreshIfStillDue(SessionId id, SessionRecord current, Predicate<SessionRecord> due) {
        if (current == null) {
            unsaved.remove(id.hash());
            return Uni.createFrom().failure(new SessionExpiredException("the session ended"));
        }
        SessionRecord newer = unsaved.get(id.hash());
        if (newer != null) {
            // This replica refreshed the session last but could not save it: that record is the live one.
            return save(id, newer).flatMap(ignored -> due.test(newer)
                    ? refreshAtServer(id, newer)
                    : Uni.createFrom().item(newer));
        }
        if (!due.test(current)) {
            // Someone else refreshed it since it was read.
            return Uni.createFrom().item(current);
        }
        return refreshAtServer(id, current);
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

    private Uni<SessionRecord> refreshAtServer(SessionId id, SessionRecord current) {
        SmartServer server = servers.byName(current.server()).orElse(null);
        if (server == null) {
            return sessions.delete(id).replaceWith(Uni.createFrom()
                    .failure(new SessionExpiredException("the session's server is no longer configured")));
        }
        long[] answeredAt = new long[1];
        return discovery.discover(server)
                .call(idTokens::prefetchKeys)
                .flatMap(smart -> tokens.refresh(server, smart, current.refreshToken())
                        // A refresh must not outlive its lock: past it another replica may take over (and a silent
                        // token endpoint would otherwise hold the caller until the client gives up).
                        .ifNoItem().after(config.lockTimeout()).failWith(() -> new TokenEndpointException(
                                TokenEndpointException.Kind.UNAVAILABLE, "temporarily_unavailable",
                                "the token endpoint did not answer within the lock timeout"))
                        .invoke(() -> answeredAt[0] = System.nanoTime())
                        .flatMap(response -> verifiedIdentity(response, smart, server, current)
                                .map(identity -> current.refreshed(response, identity, clock.instant()))))
                .call(refreshed -> save(id, refreshed))
                .invoke(() -> metrics.refreshUnsavedWindow(java.time.Duration.ofNanos(System.nanoTime() - answeredAt[0])))
                .invoke(refreshed -> {
                    LOG.debugf("Refreshed the access token of session %s", id.logId());
                    metrics.refresh("ok");
                    audit.record(Audit.event("refresh").with("session", id.logId()).with("server", refreshed.server())
                            .with("fhir_user", refreshed.identity() != null ? refreshed.identity().fhirUser() : null));
                })
                .onFailure().recoverWithUni(failure -> classify(id, failure));
    }

    private Uni<IdTokenClaims> verifiedIdentity(TokenResponse response,
            org.smartbff.smart.SmartConfiguration smart, SmartServer server, SessionRecord current) {
        if (response.idToken() == null) {
            return Uni.createFrom().nullItem();
        }
        return idTokens.verifyAtRefresh(response.idToken(), smart, server.clientId(), current.identity());
    }

    private Uni<SessionRecord> classify(SessionId id, Throwable failure) {
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
        if (failure instanceof SessionExpiredException) {
            return Uni.createFrom().failure(failure);
        }
        LOG.warnf("Refresh of session %s failed and will be tried again: %s", id.logId(), failure.getMessage());
        metrics.refresh("network");
        return Uni.createFrom().failure(new TokenServiceUnavailableException("the authorization server is not available"));
    }
}
