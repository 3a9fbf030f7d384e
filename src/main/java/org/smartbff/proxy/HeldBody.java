package org.smartbff.proxy;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

/**
 * One request body held whole while it arrives. What it occupies is taken from the call's share of
 * {@link HeldBodies} before it is allocated, and only as bytes come: so the budget counts memory, not just the bytes
 * received, and a client that declares a large body and sends nothing holds nothing.
 *
 * <p>
 * The body goes into blocks that are never copied: an array grown by doubling would hold old and new at once, up to
 * 1.5 times the body for a moment, and a hostile client dribbling bytes would have it copied over and over. A body
 * that declared its length gets blocks that end exactly where it ends (one array, when it is small); a body of unknown
 * length (chunked) gets blocks that start small, so a short form costs little, and grow to {@value #BLOCK}, so a large
 * body has few of them.
 */
final class HeldBody {

    /** What adding to the body came to. */
    enum Outcome {
        HELD,
        TOO_LARGE,
        BUDGET_FULL
    }

    private static final int FIRST_BLOCK = 8 * 1024;
    static final int BLOCK = 64 * 1024;

    private final long limit;
    private final HeldBodies.Share share;
    private final List<byte[]> blocks = new ArrayList<>(2);
    /** Bytes in all blocks; the last block has {@code length - filledBefore} of them. */
    private long length;
    private long filledBefore;
    private long capacity;
    /** The declared length, or 0 when unknown. */
    private long declared;

    /**
     * @param limit the most bytes a body may have ({@code smart-bff.proxy.max-request-body}); below 2 GiB
     * @param share the call's share of the budget of bodies held at once
     */
    HeldBody(long limit, HeldBodies.Share share) {
        if (limit < 0 || limit > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("limit " + limit);
        }
        this.limit = limit;
        this.share = share;
    }

    /**
     * Says how long the body will be, before any of it is read: one too large for the limit, or for the budget's room
     * right now, is refused without taking its bytes off the wire. Nothing is taken from the budget until bytes come.
     */
    Outcome expect(long declared) {
        if (declared > limit) {
            return Outcome.TOO_LARGE;
        }
        if (declared > share.room()) {
            return Outcome.BUDGET_FULL;
        }
        this.declared = Math.max(declared, 0);
        return Outcome.HELD;
    }

    /** Appends the next chunk. */
    Outcome add(Buffer chunk) {
        int count = chunk.length();
        if (length + count > limit) {
            return Outcome.TOO_LARGE;
        }
        int from = 0;
        while (from < count) {
            if (length == capacity) {
                // The next block: up to the declared end; else as large as what came so far (at least FIRST_BLOCK);
                // at most BLOCK, never past the limit.
                long wanted = declared > length ? declared - length : Math.max(FIRST_BLOCK, length);
                int size = (int) Math.min(limit - length, Math.min(BLOCK, wanted));
                Outcome room = allocate(size);
                if (room != Outcome.HELD) {
                    return room;
                }
            }
            byte[] last = blocks.get(blocks.size() - 1);
            int at = (int) (length - filledBefore);
            int n = Math.min(count - from, last.length - at);
            chunk.getBytes(from, from + n, last, at);
            from += n;
            length += n;
        }
        return Outcome.HELD;
    }

    /** The body: its blocks as they are, not copied into one. */
    Buffer body() {
        if (blocks.isEmpty()) {
            return Buffer.buffer();
        }
        if (blocks.size() == 1) {
            return Buffer.buffer(Unpooled.wrappedBuffer(blocks.get(0), 0, (int) length));
        }
        ByteBuf[] parts = new ByteBuf[blocks.size()];
        long left = length;
        for (int i = 0; i < parts.length; i++) {
            byte[] block = blocks.get(i);
            int used = (int) Math.min(block.length, left);
            parts[i] = Unpooled.wrappedBuffer(block, 0, used);
            left -= used;
        }
        return Buffer.buffer(Unpooled.wrappedBuffer(parts.length, parts));
    }

    /** Bytes of memory the body's blocks occupy; for tests. */
    long capacity() {
        return capacity;
    }

    private Outcome allocate(int size) {
        if (!share.take(size)) {
            blocks.clear();
            return Outcome.BUDGET_FULL;
        }
        filledBefore = length;
        blocks.add(new byte[size]);
        capacity += size;
        return Outcome.HELD;
    }
}
