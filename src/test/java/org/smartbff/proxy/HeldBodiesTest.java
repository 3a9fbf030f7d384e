package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The budget of bodies held at once: shares take what fits, give back all they took, once. */
class HeldBodiesTest {

    @Test
    void shares_take_what_fits_and_give_it_all_back_once() {
        HeldBodies bodies = new HeldBodies(100);
        HeldBodies.Share a = bodies.share();
        HeldBodies.Share b = bodies.share();
        HeldBodies.Share c = bodies.share();
        assertTrue(a.take(60));
        assertTrue(b.take(30));
        assertFalse(b.take(20), "60 + 30 + 20 is past 100");
        assertEquals(60, bodies.held(), "a refused share gives back all it held at once");
        assertFalse(b.take(1), "a refused share takes no more");
        assertTrue(c.take(40));
        assertEquals(100, bodies.held());

        a.release();
        a.release();
        assertEquals(40, bodies.held(), "a share gives back what it took, once");
        assertFalse(a.take(10), "a released share takes no more");
        c.release();
        assertEquals(0, bodies.held());
    }

    @RepeatedTest(200)
    void of_two_calls_racing_past_the_budget_exactly_one_is_refused() throws Exception {
        // Two bodies of 700 against 1,000, each taken in chunks of 64 on its own thread, as two event loops would.
        HeldBodies bodies = new HeldBodies(1_000);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Callable<Boolean> call = () -> {
                HeldBodies.Share share = bodies.share();
                start.await();
                for (int left = 700; left > 0; left -= 64) {
                    if (!share.take(Math.min(64, left))) {
                        return false;
                    }
                }
                return true;
            };
            Future<Boolean> first = threads.submit(call);
            Future<Boolean> second = threads.submit(call);
            start.countDown();
            boolean firstWhole = first.get(10, TimeUnit.SECONDS);
            boolean secondWhole = second.get(10, TimeUnit.SECONDS);
            assertTrue(firstWhole ^ secondWhole, "one whole, one refused: " + firstWhole + ", " + secondWhole);
            assertEquals(700, bodies.held(), "only the whole body is still held");
        } finally {
            threads.shutdownNow();
        }
    }
}
