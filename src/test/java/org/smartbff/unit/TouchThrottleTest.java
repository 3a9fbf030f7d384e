package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.smartbff.session.TouchThrottle;
import org.smartbff.testsupport.MutableClock;

class TouchThrottleTest {

    private static final Duration IDLE = Duration.ofMinutes(30);

    private final MutableClock clock = new MutableClock();
    private final TouchThrottle throttle = new TouchThrottle(clock, IDLE, 1000);

    @Test
    void the_first_use_of_a_session_touches_it() {
        assertTrue(throttle.due("a"));
    }

    @Test
    void a_session_is_touched_again_only_after_a_tenth_of_the_idle_timeout() {
        assertTrue(throttle.due("a"));
        clock.advance(Duration.ofMinutes(3).minusMillis(1));
        assertFalse(throttle.due("a"));
        clock.advance(Duration.ofMillis(1));
        assertTrue(throttle.due("a"));
        assertFalse(throttle.due("a"));
    }

    @Test
    void a_skipped_use_does_not_postpone_the_next_touch() {
        assertTrue(throttle.due("a"));
        clock.advance(Duration.ofMinutes(2));
        assertFalse(throttle.due("a"));
        clock.advance(Duration.ofMinutes(1));
        assertTrue(throttle.due("a"), "counted from the last touch, not from the last use");
    }

    @Test
    void sessions_are_throttled_each_on_its_own() {
        assertTrue(throttle.due("a"));
        clock.advance(Duration.ofMinutes(1));
        assertTrue(throttle.due("b"));
        assertFalse(throttle.due("a"));
        assertFalse(throttle.due("b"));
    }

    @Test
    void a_forgotten_session_is_touched_at_its_next_use() {
        assertTrue(throttle.due("a"));
        throttle.forget("a");
        assertTrue(throttle.due("a"));
    }

    @Test
    void past_its_bound_the_memory_is_dropped_and_every_session_touches_once_more() {
        TouchThrottle small = new TouchThrottle(clock, IDLE, 2);
        assertTrue(small.due("a"));
        assertTrue(small.due("b"));
        assertFalse(small.due("a"), "two remembered: within the bound");
        assertTrue(small.due("c"));
        assertTrue(small.due("a"), "three remembered, past the bound: forgotten with the rest, so touched again");
        assertFalse(small.due("a"));
    }

    @Test
    void of_many_callers_at_once_exactly_one_touches() throws Exception {
        int callers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return throttle.due("a");
                }));
            }
            start.countDown();
            int touches = 0;
            for (Future<Boolean> answer : answers) {
                touches += answer.get(10, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, touches);
        } finally {
            pool.shutdownNow();
        }
    }
}
