package org.smartbff.launch;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.observe.Audit;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.TokenClient;
import org.smartbff.token.AccessTokens;

import io.smallrye.mutiny.Uni;

/**
 * Ends a session: the Redis record goes first (the browser is logged out whatever happens next), then the grant is
 * revoked at the server's revocation endpoint where it has one, refresh token first since it is the long-lived one.
 * A revocation that fails is logged and does not fail the logout.
 */
@ApplicationScoped
public class LogoutService {

    private static final Logger LOG = Logger.getLogger(LogoutService.class);

    private final SessionStore sessions;
    private final SmartServers servers;
    private final SmartDiscovery discovery;
    private final TokenClient tokens;
    private final Audit audit;
    /** Holds a refreshed session Redis would not take, whose tokens are then the ones to revoke. */
    private final AccessTokens accessTokens;

    public LogoutService(SessionStore sessions, SmartServers servers, SmartDiscovery discovery, TokenClient tokens,
            Audit audit, AccessTokens accessTokens) {
        this.accessTokens = accessTokens;
        this.sessions = sessions;
        this.servers = servers;
        this.discovery = discovery;
        this.tokens = tokens;
        this.audit = audit;
    }

    public Uni<Void> logout(SessionId id) {
        // From Redis, not memory: another replica may have refreshed the session a moment ago, and the tokens to
        // revoke are the ones the authorization server holds now.
        return sessions.findInStore(id).call(() -> sessions.delete(id)).flatMap(stored -> {
            SessionRecord kept = accessTokens.takeUnsaved(id);
            SessionRecord record = stored != null && kept != null ? kept : stored;
            if (record == null) {
                return Uni.createFrom().voidItem();
            }
            audit.record(Audit.event("logout").with("session", id.logId()).with("server", record.server())
                    .with("fhir_user", record.identity() != null ? record.identity().fhirUser() : null));
            return revoke(id, record);
        });
    }

    private Uni<Void> revoke(SessionId id, SessionRecord record) {
        return servers.byName(record.server()).map(server -> discovery.discover(server)
                .flatMap(smart -> (record.refreshToken() != null
                        ? tokens.revoke(server, smart, record.refreshToken(), "refresh_token")
                        : Uni.createFrom().item(false))
                        .flatMap(ignored -> tokens.revoke(server, smart, record.accessToken(), "access_token")))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Revoking the tokens of session %s failed: %s", id.logId(), failure.getClass().getSimpleName());
                    return false;
                })
                .replaceWithVoid())
                .orElse(Uni.createFrom().voidItem());
    }
}
