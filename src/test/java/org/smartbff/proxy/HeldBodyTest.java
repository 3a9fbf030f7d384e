package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** A body held whole: its memory is counted before it is taken, and what comes out is what went in. */
class HeldBodyTest {

    private static final int MIB = 1024 * 1024;

    private static byte[] bytes(int n, long seed) {
        byte[] out = new byte[n];
        new Random(seed).nextBytes(out);
        return out;
    }

    @Test
    void a_declared_body_is_held_as_it_comes_in_blocks_that_end_where_it_ends() {
        HeldBodies budget = new HeldBodies(MIB);
        HeldBody body = new HeldBody(16 * MIB, budget.share());
        assertEquals(HeldBody.Outcome.HELD, body.expect(700 * 1024));
        assertEquals(0, budget.held(), "a client that declares a body and sends nothing holds nothing");

        byte[] sent = bytes(700 * 1024, 1);
        assertEquals(HeldBody.Outcome.HELD, body.add(Buffer.buffer(Arrays.copyOfRange(sent, 0, 1000))));
        assertEquals(HeldBody.BLOCK, budget.held(), "one block taken as the first bytes came");
        assertEquals(HeldBody.Outcome.HELD, body.add(Buffer.buffer(Arrays.copyOfRange(sent, 1000, sent.length))));
        assertEquals(700 * 1024, body.capacity(), "not a byte more than declared");
        assertEquals(700 * 1024, budget.held());
        assertArrayEquals(sent, body.body().getBytes());

        HeldBody small = new HeldBody(16 * MIB, new HeldBodies(MIB).share());
        small.expect(300);
        small.add(Buffer.buffer(new byte[300]));
        assertEquals(300, small.capacity(), "a small declared body: one array of its length");
    }

    @Test
    void a_declared_body_past_the_limit_or_the_budgets_room_is_refused_before_it_is_read() {
        HeldBodies budget = new HeldBodies(MIB);
        HeldBodies.Share first = budget.share();
        HeldBody held = new HeldBody(16 * MIB, first);
        assertEquals(HeldBody.Outcome.HELD, held.add(Buffer.buffer(new byte[600 * 1024])));
        long room = MIB - held.capacity();
        assertEquals(HeldBody.Outcome.BUDGET_FULL, new HeldBody(16 * MIB, budget.share()).expect(room + 1));
        assertEquals(HeldBody.Outcome.HELD, new HeldBody(16 * MIB, budget.share()).expect(room));
        assertEquals(HeldBody.Outcome.TOO_LARGE, new HeldBody(MIB, budget.share()).expect(MIB + 1));
        assertEquals(held.capacity(), budget.held(), "saying a length takes nothing");
    }

    @Test
    void a_body_of_unknown_length_is_held_in_blocks_counted_as_they_are_taken_and_never_copied() {
        HeldBodies budget = new HeldBodies(64 * MIB);
        HeldBodies.Share share = budget.share();
        HeldBody body = new HeldBody(16 * MIB, share);
        byte[] sent = bytes(5 * MIB + 123, 2);
        Random cuts = new Random(3);
        for (int at = 0; at < sent.length;) {
            int n = Math.min(sent.length - at, 1 + cuts.nextInt(100_000));
            assertEquals(HeldBody.Outcome.HELD, body.add(Buffer.buffer(Arrays.copyOfRange(sent, at, at + n))));
            at += n;
            assertEquals(body.capacity(), budget.held(), "the budget holds what the blocks occupy");
            assertTrue(body.capacity() - at < HeldBody.BLOCK, "never more than one block ahead");
        }
        assertArrayEquals(sent, body.body().getBytes());
        share.release();
        assertEquals(0, budget.held());
    }

    @Test
    void a_short_chunked_form_costs_a_small_block_and_a_dribbled_body_is_never_copied() {
        HeldBodies budget = new HeldBodies(MIB);
        HeldBody form = new HeldBody(16 * MIB, budget.share());
        assertEquals(HeldBody.Outcome.HELD, form.add(Buffer.buffer("code=1234-5")));
        assertEquals(8 * 1024, form.capacity());
        assertEquals("code=1234-5", form.body().toString());

        HeldBody dribbled = new HeldBody(16 * MIB, budget.share());
        for (int i = 0; i < 100_000; i++) {
            assertEquals(HeldBody.Outcome.HELD, dribbled.add(Buffer.buffer(new byte[] { (byte) i })));
        }
        assertTrue(dribbled.capacity() < 100_000 + HeldBody.BLOCK, "blocks, not doubling: " + dribbled.capacity());
        byte[] got = dribbled.body().getBytes();
        assertEquals(100_000, got.length);
        assertEquals((byte) 99_999, got[99_999]);
    }

    @Test
    void the_limit_and_the_budget_stop_a_body_where_they_are() {
        HeldBody limited = new HeldBody(100, new HeldBodies(MIB).share());
        assertEquals(HeldBody.Outcome.HELD, limited.add(Buffer.buffer(new byte[60])));
        assertEquals(100, limited.capacity(), "a block never reaches past the limit");
        assertEquals(HeldBody.Outcome.TOO_LARGE, limited.add(Buffer.buffer(new byte[41])));

        HeldBodies budget = new HeldBodies(100 * 1024);
        HeldBody large = new HeldBody(16 * MIB, budget.share());
        HeldBody.Outcome last = HeldBody.Outcome.HELD;
        int added = 0;
        while (last == HeldBody.Outcome.HELD) {
            last = large.add(Buffer.buffer(new byte[4096]));
            added += 4096;
        }
        assertEquals(HeldBody.Outcome.BUDGET_FULL, last);
        assertTrue(added <= 100 * 1024, "stopped within the budget: " + added);
        assertEquals(0, budget.held(), "a refused body gives back all it held");
    }
}
