package org.smartbff.token;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The per-call fifth of a token's lifetime is exactly what Duration.dividedBy(5) gives, for any duration. */
class RefreshMarginPropertyTest {

    @Property(tries = 600, seed = "20261205")
    void a_fifth_is_what_dividedBy_gives(@ForAll @LongRange(min = -1_000_000_000_000L, max = 1_000_000_000_000L) long seconds,
            @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        Duration lifetime = Duration.ofSeconds(seconds, nanos);
        assertEquals(lifetime.dividedBy(RefreshPolicy.LIFETIME_DIVISOR), RefreshPolicy.fifth(lifetime));
    }

    @Property(tries = 50, seed = "20261205")
    void the_extremes_do_not_overflow(@ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        for (long seconds : new long[] { Long.MAX_VALUE, Long.MIN_VALUE, 0, 1, -1, 4, -4 }) {
            Duration lifetime = Duration.ofSeconds(seconds).withNanos(seconds == Long.MAX_VALUE ? nanos : 0);
            assertEquals(lifetime.dividedBy(RefreshPolicy.LIFETIME_DIVISOR), RefreshPolicy.fifth(lifetime));
        }
    }
}
