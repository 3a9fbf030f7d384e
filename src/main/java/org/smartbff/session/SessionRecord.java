package org.smartbff.session;

import java.time.Duration;
import java.time.Instant;

import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.Scopes;
import org.smartbff.smart.TokenResponse;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a logged-in browser has. Times are epoch seconds, but for {@code accessTokenIssuedAt}. Kept (encrypted) in Redis
 * in its own, versioned form, {@link StoredSession}.
 *
 * @param server the name of the configured server the session was launched against
 * @param accessTokenExpiresAt 0 when the server did not say ({@code expires_in} absent)
 * @param refreshToken null when none was granted
 * @param scope the scopes granted (which may be fewer than those requested)
 * @param identity from the id token, null when {@code openid} was not granted
 * @param context the launch context members of the token response
 * @param expiresAt the absolute end of the session, whatever its use
 * @param grantExpiresAt when the grant itself ends, 0 when unknown: the access token's expiry when there is no refresh
 *        token, the refresh token's when the server said ({@code refresh_expires_in})
 * @param accessTokenIssuedAt epoch <em>milliseconds</em> at which the access token was asked for; 0 in records written
 *        before it was kept. {@code accessTokenExpiresAt} was computed from the same instant (its whole second plus
 *        {@code expires_in}), so the token's lifetime is known exactly: short-lived tokens (seconds) need more than
 *        whole seconds to be refreshed at the right moment, see {@link #accessTokenExpiry()}
 */
public record SessionRecord(String server, String accessToken, long accessTokenExpiresAt, String refreshToken,
        String scope, IdTokenClaims identity, ObjectNode context, long createdAt, long expiresAt, long grantExpiresAt,
        long accessTokenIssuedAt) {

    /** A record whose access token's issue time is unknown, as records written before it was kept. */
    public SessionRecord(String server, String accessToken, long accessTokenExpiresAt, String refreshToken,
            String scope, IdTokenClaims identity, ObjectNode context, long createdAt, long expiresAt,
            long grantExpiresAt) {
        this(server, accessToken, accessTokenExpiresAt, refreshToken, scope, identity, context, createdAt, expiresAt,
                grantExpiresAt, 0);
    }

    /** The record made at login from the first token response. */
    public static SessionRecord fromLogin(String server, TokenResponse tokens, String requestedScope,
            IdTokenClaims identity, Instant now, Duration absoluteTimeout) {
        return new SessionRecord(server, tokens.accessToken(), expiry(tokens, now), tokens.refreshToken(),
                tokens.scope() != null ? tokens.scope() : requestedScope, identity, tokens.context(),
                now.getEpochSecond(), now.plus(absoluteTimeout).getEpochSecond(),
                grantExpiry(tokens, tokens.refreshToken(), now), now.toEpochMilli());
    }

    /**
     * The record after a refresh: the new access token, the rotated refresh token where the server sent one (a server
     * that does not rotate keeps the old one valid), and a narrowed scope where the server said so.
     *
     * @param now when the refresh was asked for: the server's clock started the token's life no later than that, so
     *        expiries counted from it are on the safe side by the length of the token request
     */
    public SessionRecord refreshed(TokenResponse tokens, IdTokenClaims newIdentity, Instant now) {
        String nextRefreshToken = tokens.refreshToken() != null ? tokens.refreshToken() : refreshToken;
        long nextGrantExpiry = tokens.refreshToken() == null && tokens.refreshExpiresIn() == null
                ? grantExpiresAt // the same refresh token lives on with the life it had
                : grantExpiry(tokens, nextRefreshToken, now);
        return new SessionRecord(server, tokens.accessToken(), expiry(tokens, now), nextRefreshToken,
                tokens.scope() != null ? tokens.scope() : scope, newIdentity != null ? newIdentity : identity,
                context, createdAt, expiresAt, nextGrantExpiry, now.toEpochMilli());
    }

    private static long grantExpiry(TokenResponse tokens, String refreshToken, Instant now) {
        if (refreshToken == null) {
            return expiry(tokens, now);
        }
        // refresh_expires_in of 0 means "does not expire" at the servers that send it.
        return tokens.refreshExpiresIn() != null && tokens.refreshExpiresIn() > 0
                ? now.getEpochSecond() + tokens.refreshExpiresIn()
                : 0;
    }

    /** The end of the session's life: the absolute timeout, or sooner when the grant ends sooner. */
    public long endsAt() {
        return grantExpiresAt != 0 && grantExpiresAt < expiresAt ? grantExpiresAt : expiresAt;
    }

    private static long expiry(TokenResponse tokens, Instant now) {
        return tokens.expiresIn() != null ? now.getEpochSecond() + tokens.expiresIn() : 0;
    }

    /**
     * When the access token expires: to the millisecond where its issue time is known, else the whole second the record
     * kept; null when the server did not say ({@code expires_in} absent).
     */
    public Instant accessTokenExpiry() {
        if (accessTokenExpiresAt == 0) {
            return null;
        }
        Instant issued = accessTokenIssued();
        if (issued == null) {
            return Instant.ofEpochSecond(accessTokenExpiresAt);
        }
        return issued.plusSeconds(accessTokenExpiresAt - issued.getEpochSecond());
    }

    /** When the access token was asked for; null in a record written before that was kept. */
    public Instant accessTokenIssued() {
        return accessTokenIssuedAt == 0 ? null : Instant.ofEpochMilli(accessTokenIssuedAt);
    }

    /** A session granted {@code offline_access} with a refresh token may outlive the browser session. */
    public boolean offline() {
        return refreshToken != null && Scopes.includes(scope, "offline_access");
    }

    public boolean expired(Instant now) {
        return now.getEpochSecond() >= endsAt();
    }

    @Override
    public String toString() {
        return "SessionRecord[server=" + server + ", accessToken=present, accessTokenExpiresAt=" + accessTokenExpiresAt
                + ", refreshToken=" + (refreshToken != null ? "present" : "absent") + ", scope=" + scope
                + ", expiresAt=" + expiresAt + "]";
    }
}
