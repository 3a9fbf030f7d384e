package org.smartbff.token;

import java.time.Duration;
import java.time.Instant;

import org.smartbff.session.SessionRecord;

/**
 * When a session's access token is refreshed, and when a refresh that failed may be tried again. Pure: the time is
 * passed in, nothing is remembered here.
 *
 * <p>
 * <b>Cadence.</b> A token is refreshed once less than a fifth of its lifetime is left (at 80 % of its life, as the
 * kubelet rotates service account tokens), and never earlier than {@code refresh-skew} before it expires: the skew
 * is an upper bound on the margin, not the rule. A one-hour token is refreshed 60 s before it expires (the default
 * skew), a 60 s token 12 s before, a 2 s token 0.4 s before; so a session under load makes one refresh per 48 s of a
 * 60 s token's life (1.25 per lifetime) instead of one per call, as a fixed skew longer than the lifetime did. A
 * refreshed token is not due again before 80 % of its own life, so at most one refresh happens per such window, in
 * any number of replicas: they share the session in Redis, and re-check this predicate under its refresh lock.
 *
 * <p>
 * <b>Unknown lifetimes.</b> A token response without {@code expires_in} gives a token that is never refreshed ahead
 * (the FHIR server's 401 makes the refresh). A record written before issue times were kept knows only the expiry: it
 * is refreshed by the skew alone, once, and the refreshed record then knows its token's lifetime.
 *
 * <p>
 * <b>Failures.</b> A refresh that failed for a reason that may pass (network, 5xx, timeout, Redis) is not tried again
 * by every call: the next attempt waits {@link #FIRST_PAUSE}, doubling with each failure in a row of the same token up
 * to {@link #LONGEST_PAUSE}. While the token still works the pause is also at most half of its remaining life (but at
 * least {@link #SHORTEST_PAUSE}), so a valid token gets another try before it expires. Meanwhile a valid token is
 * used as it is; an expired one fails at once, and the first caller after the pause tries again for everyone.
 */
public final class RefreshPolicy {

    /** Refreshed once less than 1/{@value} of the lifetime is left. */
    public static final int LIFETIME_DIVISOR = 5;
    public static final Duration FIRST_PAUSE = Duration.ofSeconds(2);
    public static final Duration LONGEST_PAUSE = Duration.ofSeconds(16);
    public static final Duration SHORTEST_PAUSE = Duration.ofMillis(500);

    /**
     * An access token's life as far as the session knows it.
     *
     * @param issuedAt null when unknown (a record written before issue times were kept)
     * @param expiresAt null when the server did not say ({@code expires_in} absent)
     */
    public record TokenLife(Instant issuedAt, Instant expiresAt) {

        public static TokenLife of(SessionRecord record) {
            return new TokenLife(record.accessTokenIssued(), record.accessTokenExpiry());
        }

        /** Null when the issue time or the expiry is unknown; never negative. */
        public Duration lifetime() {
            if (issuedAt == null || expiresAt == null) {
                return null;
            }
            Duration lifetime = Duration.between(issuedAt, expiresAt);
            return lifetime.isNegative() ? Duration.ZERO : lifetime;
        }
    }

    /** What a call does about its session's access token. */
    public sealed interface Decision {
        /** Not due: use it. */
        record Fresh() implements Decision {
        }

        /** Due and still valid: refresh it in the background and use it meanwhile. */
        record RefreshAhead() implements Decision {
        }

        /** Expired: the call waits for the refresh (one per session, shared by the calls that wait). */
        record RefreshNow() implements Decision {
        }

        /** Due, but the last attempt failed: none before {@code notBefore}. A valid token is used, an expired one fails. */
        record Paused(Instant notBefore, boolean expired) implements Decision {
        }
    }

    static final Decision FRESH = new Decision.Fresh();
    static final Decision REFRESH_AHEAD = new Decision.RefreshAhead();
    static final Decision REFRESH_NOW = new Decision.RefreshNow();

    /**
     * The failures in a row of one token's refresh.
     *
     * @param token the token that could not be refreshed: a pause ends with it (another replica may have refreshed)
     */
    public record Retry(TokenLife token, int failures, Instant notBefore) {
    }

    private final Duration skew;

    /** @param skew the longest margin before expiry at which a token is refreshed */
    public RefreshPolicy(Duration skew) {
        this.skew = skew;
    }

    /** How long before its expiry a token is refreshed: a fifth of its lifetime, at most the skew. */
    public Duration margin(TokenLife token) {
        Duration lifetime = token.lifetime();
        if (lifetime == null) {
            return skew;
        }
        Duration share = fifth(lifetime);
        return share.compareTo(skew) < 0 ? share : skew;
    }

    /**
     * {@code lifetime.dividedBy(LIFETIME_DIVISOR)}, rounded the same way (towards zero), in long arithmetic:
     * Duration.dividedBy goes through BigDecimal, and this runs on every proxied call (it showed in the bench's CPU
     * profile). Floor division, then one nanosecond towards zero for an inexact negative; the remainder's nanoseconds
     * stay below 5 × 10^9, so nothing overflows for any Duration.
     */
    static Duration fifth(Duration lifetime) {
        long seconds = lifetime.getSeconds();
        long restNanos = Math.floorMod(seconds, LIFETIME_DIVISOR) * 1_000_000_000L + lifetime.getNano();
        Duration floor = Duration.ofSeconds(Math.floorDiv(seconds, LIFETIME_DIVISOR), restNanos / LIFETIME_DIVISOR);
        return seconds < 0 && restNanos % LIFETIME_DIVISOR != 0 ? floor.plusNanos(1) : floor;
    }

    /** From when a refresh is due; null when never (the expiry is unknown). */
    public Instant dueAt(TokenLife token) {
        return token.expiresAt() == null ? null : token.expiresAt().minus(margin(token));
    }

    public boolean due(TokenLife token, Instant now) {
        Instant dueAt = dueAt(token);
        return dueAt != null && !now.isBefore(dueAt);
    }

    /** Past its expiry (an unknown expiry counts as valid: the FHIR server will say 401). */
    public boolean expired(TokenLife token, Instant now) {
        return token.expiresAt() != null && !now.isBefore(token.expiresAt());
    }

    /** @param retry the session's last failures, or null */
    public Decision decide(TokenLife token, Retry retry, Instant now) {
        if (!due(token, now)) {
            return FRESH;
        }
        boolean expired = expired(token, now);
        if (paused(token, retry, now)) {
            return new Decision.Paused(retry.notBefore(), expired);
        }
        return expired ? REFRESH_NOW : REFRESH_AHEAD;
    }

    /** Whether a refresh of this token must not be tried now, because the last one failed. */
    public boolean paused(TokenLife token, Retry retry, Instant now) {
        return retry != null && retry.token().equals(token) && now.isBefore(retry.notBefore());
    }

    /**
     * The pause after a failed refresh of {@code token}.
     *
     * @param previous the failures before this one, or null
     */
    public Retry failed(TokenLife token, Retry previous, Instant now) {
        int failures = previous != null && previous.token().equals(token) ? previous.failures() + 1 : 1;
        Duration pause = FIRST_PAUSE.multipliedBy(1L << Math.min(failures - 1, 3));
        if (pause.compareTo(LONGEST_PAUSE) > 0) {
            pause = LONGEST_PAUSE;
        }
        if (token.expiresAt() != null && !expired(token, now)) {
            Duration half = Duration.between(now, token.expiresAt()).dividedBy(2);
            Duration bound = half.compareTo(SHORTEST_PAUSE) > 0 ? half : SHORTEST_PAUSE;
            pause = pause.compareTo(bound) < 0 ? pause : bound;
        }
        return new Retry(token, failures, now.plus(pause));
    }
}
