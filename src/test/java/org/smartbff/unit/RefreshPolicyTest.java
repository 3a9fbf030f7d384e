package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.smartbff.token.RefreshPolicy;
import org.smartbff.token.RefreshPolicy.Decision;
import org.smartbff.token.RefreshPolicy.Retry;
import org.smartbff.token.RefreshPolicy.TokenLife;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class RefreshPolicyTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00.250Z");
    private static final RefreshPolicy DEFAULT = new RefreshPolicy(Duration.ofSeconds(60));

    private static TokenLife issued(Instant at, Duration lifetime) {
        return new TokenLife(at, at.plus(lifetime));
    }

    // ------------------------------------------------------------------ cadence

    @Test
    void a_60_second_token_is_refreshed_in_its_last_fifth_not_within_the_whole_skew() {
        TokenLife token = issued(T0, Duration.ofSeconds(60));
        assertEquals(Duration.ofSeconds(12), DEFAULT.margin(token));
        assertFalse(DEFAULT.due(token, T0));
        assertFalse(DEFAULT.due(token, T0.plusMillis(47_999)));
        assertTrue(DEFAULT.due(token, T0.plusSeconds(48)));
    }

    @Test
    void a_one_hour_token_is_refreshed_within_the_skew() {
        TokenLife token = issued(T0, Duration.ofHours(1));
        assertEquals(Duration.ofSeconds(60), DEFAULT.margin(token));
        assertFalse(DEFAULT.due(token, T0.plusSeconds(3539)));
        assertTrue(DEFAULT.due(token, T0.plusSeconds(3540)));
    }

    @Test
    void a_2_second_token_is_refreshed_400_ms_before_it_expires() {
        TokenLife token = issued(T0, Duration.ofSeconds(2));
        assertEquals(Duration.ofMillis(400), DEFAULT.margin(token));
        assertEquals(T0.plusMillis(1600), DEFAULT.dueAt(token));
    }

    @Test
    void a_record_without_issue_time_falls_back_to_the_skew() {
        TokenLife legacy = new TokenLife(null, T0.plusSeconds(60));
        assertEquals(Duration.ofSeconds(60), DEFAULT.margin(legacy));
        assertTrue(DEFAULT.due(legacy, T0), "the old rule: due at once, so it is refreshed once and learns its lifetime");
    }

    @Test
    void a_token_without_expiry_is_never_due_nor_expired() {
        TokenLife unknown = new TokenLife(T0, null);
        assertNull(DEFAULT.dueAt(unknown));
        assertFalse(DEFAULT.due(unknown, T0.plus(Duration.ofDays(365))));
        assertFalse(DEFAULT.expired(unknown, T0.plus(Duration.ofDays(365))));
        assertInstanceOf(Decision.Fresh.class, DEFAULT.decide(unknown, null, T0.plus(Duration.ofDays(365))));
    }

    @Test
    void a_token_is_expired_from_its_expiry_on() {
        TokenLife token = issued(T0, Duration.ofSeconds(10));
        assertFalse(DEFAULT.expired(token, T0.plusMillis(9_999)));
        assertTrue(DEFAULT.expired(token, T0.plusSeconds(10)));
    }

    @Test
    void decisions_follow_the_life_of_the_token() {
        TokenLife token = issued(T0, Duration.ofSeconds(60));
        assertInstanceOf(Decision.Fresh.class, DEFAULT.decide(token, null, T0.plusSeconds(30)));
        assertInstanceOf(Decision.RefreshAhead.class, DEFAULT.decide(token, null, T0.plusSeconds(50)));
        assertInstanceOf(Decision.RefreshNow.class, DEFAULT.decide(token, null, T0.plusSeconds(60)));
    }

    // ------------------------------------------------------------------ failures

    @Test
    void after_a_failure_a_valid_token_is_used_and_an_expired_one_waits_for_the_pause() {
        TokenLife token = issued(T0, Duration.ofSeconds(60));
        Instant failedAt = T0.plusSeconds(50);
        Retry retry = DEFAULT.failed(token, null, failedAt);
        assertEquals(failedAt.plus(RefreshPolicy.FIRST_PAUSE), retry.notBefore());

        Decision during = DEFAULT.decide(token, retry, failedAt.plusSeconds(1));
        assertEquals(new Decision.Paused(retry.notBefore(), false), during);
        assertInstanceOf(Decision.RefreshAhead.class, DEFAULT.decide(token, retry, retry.notBefore()));

        Retry expiredRetry = DEFAULT.failed(token, null, T0.plusSeconds(61));
        assertEquals(new Decision.Paused(expiredRetry.notBefore(), true),
                DEFAULT.decide(token, expiredRetry, T0.plusSeconds(62)));
        assertInstanceOf(Decision.RefreshNow.class, DEFAULT.decide(token, expiredRetry, expiredRetry.notBefore()));
    }

    @Test
    void pauses_double_with_failures_in_a_row_up_to_the_longest() {
        TokenLife token = issued(T0, Duration.ofSeconds(60));
        Instant now = T0.plusSeconds(120); // expired: no bound by the remaining life
        List<Duration> pauses = new ArrayList<>();
        Retry retry = null;
        for (int i = 0; i < 6; i++) {
            retry = DEFAULT.failed(token, retry, now);
            pauses.add(Duration.between(now, retry.notBefore()));
            now = retry.notBefore();
        }
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16),
                Duration.ofSeconds(16), Duration.ofSeconds(16)), pauses);
    }

    @Test
    void a_pause_is_at_most_half_of_the_remaining_life_so_a_valid_token_gets_another_try() {
        TokenLife token = issued(T0, Duration.ofSeconds(60));
        Instant now = T0.plusSeconds(57); // 3 s left
        Retry retry = DEFAULT.failed(token, null, now);
        assertEquals(now.plusMillis(1500), retry.notBefore());
        Retry late = DEFAULT.failed(token, retry, T0.plusMillis(59_800)); // 200 ms left
        assertEquals(T0.plusMillis(59_800).plus(RefreshPolicy.SHORTEST_PAUSE), late.notBefore());
    }

    @Test
    void a_pause_belongs_to_the_token_that_failed() {
        TokenLife failed = issued(T0, Duration.ofSeconds(60));
        Retry retry = DEFAULT.failed(failed, null, T0.plusSeconds(61));
        TokenLife next = issued(T0.plusSeconds(62), Duration.ofSeconds(60));
        assertFalse(DEFAULT.paused(next, retry, T0.plusSeconds(62)));
        assertEquals(1, DEFAULT.failed(next, retry, T0.plusSeconds(62)).failures(), "the count starts again");
    }

    // ------------------------------------------------------------------ properties

    /** The margin is a fifth of the lifetime, and never more than the skew. */
    @Property
    void the_margin_is_the_smaller_of_a_fifth_of_the_lifetime_and_the_skew(
            @ForAll @LongRange(min = 0, max = 86_400_000) long lifetimeMillis,
            @ForAll @LongRange(min = 0, max = 600_000) long skewMillis) {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofMillis(skewMillis));
        Duration margin = policy.margin(issued(T0, Duration.ofMillis(lifetimeMillis)));
        assertTrue(margin.toMillis() <= skewMillis);
        assertTrue(margin.compareTo(Duration.ofMillis(lifetimeMillis).dividedBy(RefreshPolicy.LIFETIME_DIVISOR)) <= 0);
        assertTrue(margin.toMillis() == skewMillis
                || margin.equals(Duration.ofMillis(lifetimeMillis).dividedBy(RefreshPolicy.LIFETIME_DIVISOR)));
    }

    /**
     * A session whose calls come at any pace (each gap shorter than the margin) and whose refreshes succeed: no call
     * ever finds its token expired, and any window of one lifetime sees at most two refreshes (one per 80 % of a
     * lifetime).
     */
    @Property
    void under_any_load_a_session_refreshes_at_most_twice_per_lifetime_and_never_lets_its_token_expire(
            @ForAll @LongRange(min = 1_000, max = 7_200_000) long lifetimeMillis,
            @ForAll @LongRange(min = 1_000, max = 120_000) long skewMillis,
            @ForAll @Size(min = 50, max = 400) List<@IntRange(min = 1, max = 1000) Integer> gapsPerMille) {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofMillis(skewMillis));
        Duration lifetime = Duration.ofMillis(lifetimeMillis);
        TokenLife token = issued(T0, lifetime);
        long marginMillis = policy.margin(token).toMillis();
        List<Instant> refreshes = new ArrayList<>();
        Instant now = T0;
        for (int gap : gapsPerMille) {
            // A gap is up to one margin, minus a millisecond so a call always lands before the expiry.
            now = now.plusMillis(Math.max(1, (marginMillis - 1) * gap / 1000));
            Decision decision = policy.decide(token, null, now);
            assertFalse(decision instanceof Decision.RefreshNow, "a call found its token expired");
            if (decision instanceof Decision.RefreshAhead) {
                refreshes.add(now);
                token = issued(now, lifetime);
            }
        }
        for (Instant start : refreshes) {
            long inWindow = refreshes.stream()
                    .filter(at -> !at.isBefore(start) && at.isBefore(start.plus(lifetime))).count();
            assertTrue(inWindow <= 2, inWindow + " refreshes within one lifetime");
        }
    }

    /** A refresh is never due before 80 % of a token's life, whatever the skew. */
    @Property
    void a_token_is_never_refreshed_before_four_fifths_of_its_life(
            @ForAll @LongRange(min = 0, max = 86_400_000) long lifetimeMillis,
            @ForAll @LongRange(min = 0, max = 600_000) long skewMillis,
            @ForAll @LongRange(min = 0, max = 86_400_000) long ageMillis) {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofMillis(skewMillis));
        TokenLife token = issued(T0, Duration.ofMillis(lifetimeMillis));
        if (policy.due(token, T0.plusMillis(ageMillis))) {
            assertTrue(ageMillis * RefreshPolicy.LIFETIME_DIVISOR >= lifetimeMillis * (RefreshPolicy.LIFETIME_DIVISOR - 1),
                    "due at " + ageMillis + " ms of " + lifetimeMillis);
        }
    }

    /**
     * Failures in a row: every pause lasts between the shortest and the longest, and a token with more than twice the
     * shortest pause left is tried again before it expires.
     */
    @Property
    void pauses_are_bounded_and_leave_a_valid_token_another_try(
            @ForAll @LongRange(min = 1_000, max = 3_600_000) long lifetimeMillis,
            @ForAll @Size(min = 1, max = 20) List<@LongRange(min = 0, max = 5_000) Long> delaysMillis) {
        TokenLife token = issued(T0, Duration.ofMillis(lifetimeMillis));
        Instant now = DEFAULT.dueAt(token);
        Retry retry = null;
        for (long delay : delaysMillis) {
            retry = DEFAULT.failed(token, retry, now);
            Duration pause = Duration.between(now, retry.notBefore());
            assertTrue(pause.compareTo(RefreshPolicy.SHORTEST_PAUSE) >= 0, "pause " + pause);
            assertTrue(pause.compareTo(RefreshPolicy.LONGEST_PAUSE) <= 0, "pause " + pause);
            Duration left = Duration.between(now, token.expiresAt());
            if (left.compareTo(RefreshPolicy.SHORTEST_PAUSE.multipliedBy(2)) > 0) {
                assertTrue(retry.notBefore().isBefore(token.expiresAt()), "no try left before the expiry");
            }
            now = retry.notBefore().plusMillis(delay);
        }
    }

    /**
     * A token endpoint that is down, and calls as often as anyone likes: per session at most one attempt per shortest
     * pause while the token is valid, and one per first pause once it has expired.
     */
    @Property(tries = 200)
    void a_down_token_endpoint_sees_no_storm(
            @ForAll @LongRange(min = 1_000, max = 120_000) long lifetimeMillis,
            @ForAll @IntRange(min = 1, max = 100) int callGapMillis) {
        TokenLife token = issued(T0, Duration.ofMillis(lifetimeMillis));
        Instant end = token.expiresAt().plusSeconds(60);
        Retry retry = null;
        List<Instant> attempts = new ArrayList<>();
        for (Instant now = T0; now.isBefore(end); now = now.plusMillis(callGapMillis)) {
            Decision decision = DEFAULT.decide(token, retry, now);
            if (decision instanceof Decision.RefreshAhead || decision instanceof Decision.RefreshNow) {
                attempts.add(now);
                retry = DEFAULT.failed(token, retry, now);
            }
        }
        for (int i = 1; i < attempts.size(); i++) {
            Duration gap = Duration.between(attempts.get(i - 1), attempts.get(i));
            boolean expired = !attempts.get(i - 1).isBefore(token.expiresAt());
            Duration least = expired ? RefreshPolicy.FIRST_PAUSE : RefreshPolicy.SHORTEST_PAUSE;
            assertTrue(gap.compareTo(least) >= 0, "attempts " + gap + " apart");
        }
        assertTrue(attempts.size() <= 20, attempts.size() + " attempts in " + lifetimeMillis + " ms + 60 s");
    }
}
