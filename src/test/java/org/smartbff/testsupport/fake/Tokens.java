package org.smartbff.testsupport.fake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.vertx.core.json.JsonObject;

/**
 * The tokens the fake issued and which of them still work: access tokens with their expiry, the live refresh token(s),
 * and in grants mode every grant with its tokens. Touched under the fake's lock.
 */
final class Tokens {

    private static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofSeconds(3600);

    /**
     * One authorization (a code exchange and its refreshes) in grants mode: the refresh token that is live now and
     * every access token issued under it, so that a replayed refresh token can revoke all of them at once.
     */
    static final class Grant {
        final String scope;
        final Set<String> accessTokens = new HashSet<>();
        String liveRefreshToken;
        boolean revoked;

        Grant(String scope) {
            this.scope = scope;
        }
    }

    // knobs
    Duration accessTokenLifetime;
    Clock clock;
    /** False keeps no token or refresh history (only counters), for a long soak. */
    boolean record;

    /** Access tokens that still work at the FHIR endpoint, with their expiry by {@link #clock}. */
    private final Map<String, Instant> liveAccessTokens = new HashMap<>();
    final Set<String> issuedAccessTokens = new LinkedHashSet<>();
    final Set<String> issuedRefreshTokens = new LinkedHashSet<>();
    final List<String> usedRefreshTokens = new ArrayList<>();
    /** The one live refresh token unless grants are per launch or in grants mode, and its scope. */
    String currentRefreshToken;
    private String currentRefreshScope;
    /** The refresh tokens of live grants and their scopes, when every launch keeps its own. */
    private final Map<String, String> liveGrants = new HashMap<>();
    /** Grants mode: every refresh token ever issued, live or used, to its grant. */
    private final Map<String, Grant> grantsByRefreshToken = new HashMap<>();
    int grantsIssued;
    int refreshTokenReplays;
    int refreshGrants;

    Tokens() {
        restoreKnobs();
    }

    void restoreKnobs() {
        accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
        clock = Clock.systemUTC();
        record = true;
    }

    void reset() {
        liveAccessTokens.clear();
        issuedAccessTokens.clear();
        issuedRefreshTokens.clear();
        usedRefreshTokens.clear();
        currentRefreshToken = null;
        currentRefreshScope = null;
        liveGrants.clear();
        grantsByRefreshToken.clear();
        grantsIssued = 0;
        refreshTokenReplays = 0;
        refreshGrants = 0;
        restoreKnobs();
    }

    /**
     * Mints an access token, and a refresh token when {@code newRefreshToken} and the scope asks for offline/online
     * access (it then becomes the current one).
     */
    JsonObject issue(String scope, boolean newRefreshToken) {
        Set<String> scopes = Forms.scopes(scope);
        String accessToken = "at-" + Forms.randomToken();
        liveAccessTokens.put(accessToken, clock.instant().plus(accessTokenLifetime));
        issuedAccessTokens.add(accessToken);
        JsonObject body = new JsonObject()
                .put("access_token", accessToken)
                .put("token_type", "Bearer")
                .put("expires_in", accessTokenLifetime.toSeconds());
        if (scope != null) {
            body.put("scope", scope);
        }
        if (newRefreshToken && (scopes.contains("offline_access") || scopes.contains("online_access"))) {
            String refreshToken = "rt-" + Forms.randomToken();
            issuedRefreshTokens.add(refreshToken);
            currentRefreshToken = refreshToken;
            currentRefreshScope = scope;
            liveGrants.put(refreshToken, scope);
            body.put("refresh_token", refreshToken);
        }
        return body;
    }

    boolean isLive(String accessToken) {
        Instant expiry = accessToken == null ? null : liveAccessTokens.get(accessToken);
        return expiry != null && clock.instant().isBefore(expiry);
    }

    void revokeAccessTokens() {
        liveAccessTokens.clear();
    }

    void presented(String refreshToken) {
        if (refreshToken != null && record) {
            usedRefreshTokens.add(refreshToken);
        }
    }

    /**
     * The scope of the grant a refresh token stands for, or null when it is not live: the latest one issued, or when
     * every launch keeps its own, any live one.
     */
    String scopeOf(String refreshToken, boolean perLaunch) {
        if (refreshToken == null) {
            return null;
        }
        if (perLaunch) {
            return liveGrants.get(refreshToken);
        }
        return refreshToken.equals(currentRefreshToken) ? currentRefreshScope : null;
    }

    /** The refresh token dies now, whatever happens next. */
    void retire(String refreshToken) {
        if (refreshToken.equals(currentRefreshToken)) {
            currentRefreshToken = null;
        }
        liveGrants.remove(refreshToken);
    }

    /** RFC 7009: whatever the token is, it stops working. */
    void revoke(String token) {
        liveAccessTokens.remove(token);
        Grant grant = grantsByRefreshToken.get(token);
        if (grant != null && token.equals(grant.liveRefreshToken)) {
            revoke(grant);
        }
        retire(token);
    }

    // ------------------------------------------------------------------ grants mode

    Grant grantOf(String refreshToken) {
        return refreshToken == null ? null : grantsByRefreshToken.get(refreshToken);
    }

    /** The tokens of a token response now belong to this grant. */
    void attach(Grant grant, JsonObject body) {
        grant.accessTokens.add(body.getString("access_token"));
        String refreshToken = body.getString("refresh_token");
        if (refreshToken != null) {
            grant.liveRefreshToken = refreshToken;
            grantsByRefreshToken.put(refreshToken, grant);
        }
        if (!record) {
            issuedAccessTokens.clear();
            issuedRefreshTokens.clear();
        }
    }

    void revoke(Grant grant) {
        grant.revoked = true;
        grant.liveRefreshToken = null;
        grant.accessTokens.forEach(liveAccessTokens::remove);
        grant.accessTokens.clear();
    }
}
