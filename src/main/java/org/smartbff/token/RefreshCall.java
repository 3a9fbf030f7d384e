package org.smartbff.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jboss.logging.Logger;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.SmartConfiguration;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.smart.TokenClient;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenResponse;
import org.smartbff.token.RefreshPolicy.TokenLife;

import io.smallrye.mutiny.Uni;

/**
 * One refresh at the authorization server, for a session already known to be due and held under its lock: the
 * request, the checks on the answer, the save, and what a failure means ({@link RefreshFailure}). A failure that ends
 * the grant deletes the session; one that may pass keeps it.
 */
final class RefreshCall {

    /** The token broker logs under one category, as it did before it was split, so log filters keep working. */
    private static final Logger LOG = Logger.getLogger(AccessTokens.class);

    private final SessionStore sessions;
    private final SmartServers servers;
    private final SmartDiscovery discovery;
    private final TokenClient tokens;
    private final IdTokenVerifier idTokens;
    private final UnsavedRefreshes unsaved;
    /** The refresh lock's lifetime: a refresh must not outlive it, or another replica may take over. */
    private final Duration lockTimeout;
    private final Clock clock;
    private final BffMetrics metrics;
    private final Audit audit;

    RefreshCall(SessionStore sessions, SmartServers servers, SmartDiscovery discovery, TokenClient tokens,
            IdTokenVerifier idTokens, UnsavedRefreshes unsaved, Duration lockTimeout, Clock clock, BffMetrics metrics,
            Audit audit) {
        this.sessions = sessions;
        this.servers = servers;
        this.discovery = discovery;
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.unsaved = unsaved;
        this.lockTimeout = lockTimeout;
        this.clock = clock;
        this.metrics = metrics;
        this.audit = audit;
    }

    Uni<TokenOutcome> refresh(SessionId id, SessionRecord current, RefreshReason reason) {
        SmartServer server = servers.byName(current.server()).orElse(null);
        if (server == null) {
            return sessions.delete(id)
                    .replaceWith(new TokenOutcome.SessionEnded("the session's server is no longer configured"));
        }
        long[] answeredAt = new long[1];
        return discovery.discover(server)
                // Keys first: between the server's rotation and the save, a JWKS fetch would only widen the window
                // in which a crash loses the one refresh token the server still accepts.
                .call(idTokens::prefetchKeys)
                .flatMap(smart -> {
                    // The new token's life is counted from the request: the server started it no earlier.
                    Instant asked = clock.instant();
                    return tokens.refresh(server, smart, current.refreshToken())
                            // A refresh must not outlive its lock: past it another replica may take over (and a
                            // silent token endpoint would otherwise hold the caller until the client gives up).
                            .ifNoItem().after(lockTimeout).failWith(() -> new TokenEndpointException(
                                    TokenEndpointException.Kind.UNAVAILABLE, "temporarily_unavailable",
                                    "the token endpoint did not answer within the lock timeout"))
                            .invoke(() -> answeredAt[0] = System.nanoTime())
                            .flatMap(response -> verifiedIdentity(response, smart, server, current)
                                    .map(identity -> current.refreshed(response, identity, asked)));
                })
                .call(refreshed -> unsaved.save(id, refreshed))
                .invoke(() -> metrics.refreshUnsavedWindow(Duration.ofNanos(System.nanoTime() - answeredAt[0])))
                .invoke(refreshed -> {
                    LOG.debugf("Refreshed the access token of session %s (%s)", id.logId(), reason);
                    metrics.refresh("ok");
                    metrics.refreshed(reason.tag, lifetimeUsed(current));
                    audit.record(Audit.event("refresh").with("session", id.logId()).with("server", refreshed.server())
                            .with("fhir_user", refreshed.identity() != null ? refreshed.identity().fhirUser() : null));
                })
                .<TokenOutcome> map(TokenOutcome.Ready::new)
                .onFailure().recoverWithUni(failure -> failed(id, server, RefreshFailure.of(failure)));
    }

    private Uni<IdTokenClaims> verifiedIdentity(TokenResponse response, SmartConfiguration smart, SmartServer server,
            SessionRecord current) {
        if (response.idToken() == null) {
            return Uni.createFrom().nullItem();
        }
        return idTokens.verifyAtRefresh(response.idToken(), smart, server.clientId(), current.identity());
    }

    /** The share of the replaced token's lifetime that had passed: about 0.8 in the steady state; NaN when unknown. */
    private double lifetimeUsed(SessionRecord replaced) {
        TokenLife token = TokenLife.of(replaced);
        Duration lifetime = token.lifetime();
        if (lifetime == null || lifetime.isZero()) {
            return Double.NaN;
        }
        return (double) Duration.between(token.issuedAt(), clock.instant()).toMillis() / lifetime.toMillis();
    }

    /** Logs, counts and audits the failure as its kind asks, and ends the session when the grant is lost. */
    private Uni<TokenOutcome> failed(SessionId id, SmartServer server, RefreshFailure failure) {
        if (failure instanceof RefreshFailure.GrantEnded ended) {
            LOG.infof("Refresh of session %s was rejected (%s): the session ends", id.logId(), ended.error());
            metrics.refresh("invalid_grant");
            audit.record(Audit.event("refresh_rejected").with("session", id.logId()).with("error", ended.error()));
            return end(id, "the authorization server ended the grant");
        }
        if (failure instanceof RefreshFailure.IdentityRefused refused) {
            LOG.warnf("Refresh of session %s returned an id token that does not verify (%s): the session ends",
                    id.logId(), refused.detail());
            return end(id, "the refreshed identity did not verify");
        }
        if (failure instanceof RefreshFailure.DataRefused refused) {
            LOG.warnf("Refresh of session %s at server %s was refused (%s): the session ends", id.logId(),
                    server.name(), refused.detail());
            metrics.refresh("invalid_server_data");
            metrics.serverDataRefused("refresh", refused.member());
            audit.record(Audit.event("server_data_refused").with("stage", "refresh").with("session", id.logId())
                    .with("server", server.name()).with("member", refused.member()));
            return end(id, "the refreshed tokens were refused");
        }
        RefreshFailure.Transient passing = (RefreshFailure.Transient) failure;
        LOG.warnf("Refresh of session %s failed and will be tried again: %s", id.logId(), passing.detail());
        metrics.refresh("network");
        return Uni.createFrom().item(new TokenOutcome.Unavailable("the authorization server is not available"));
    }

    private Uni<TokenOutcome> end(SessionId id, String reason) {
        unsaved.forget(id);
        return sessions.delete(id).replaceWith(new TokenOutcome.SessionEnded(reason));
    }
}
