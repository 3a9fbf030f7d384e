package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The budget of bodies held at once: shares take what fits, give back all they took, once. */
class HeldBodiesTest {

    @Test
    void shares_take_what_fits_and_give_it_all_back_once() {
        HeldBodies bodies = new HeldBodies(100);
        HeldBodies.Share a = bodies.share();
        HeldBodies.Share b = bodies.share();
        assertTrue(a.take(60));
        assertFalse(b.take(50), "60 + 50 is past 100");
        assertEquals(60, bodies.held(), "a refused take holds nothing");
        assertTrue(b.take(40));
        assertEquals(100, bodies.held());

        a.release();
        a.release();
        assertEquals(40, bodies.held(), "a share gives back what it took, once");
        assertFalse(a.take(10), "a released share takes no more");
        b.release();
        assertEquals(0, bodies.held());
    }
}
