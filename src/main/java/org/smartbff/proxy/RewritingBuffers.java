package org.smartbff.proxy;

import org.smartbff.proxy.rewrite.StreamingUrlRewriter;
import org.smartbff.proxy.rewrite.StreamingUrlRewriter.Output;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

/**
 * Feeds a response body's Vert.x buffers to the {@link StreamingUrlRewriter}, which knows only bytes, and turns what it
 * answers back into buffers. What passes unchanged is the chunk itself, or a slice of it: no copy, whether its bytes
 * are on the heap or not. Rewritten bytes are wrapped, not copied. One instance per response, on its event loop.
 */
final class RewritingBuffers {

    private final StreamingUrlRewriter rewriter;

    RewritingBuffers(StreamingUrlRewriter rewriter) {
        this.rewriter = rewriter;
    }

    /** The next chunk of the body; what may be sent now (maybe empty, maybe sharing memory with {@code chunk}). */
    Buffer feed(Buffer chunk) {
        int length = chunk.length();
        ByteBuf view = chunk.getByteBuf();
        Output out = view.hasArray()
                ? rewriter.feed(view.array(), view.arrayOffset() + view.readerIndex(), length)
                : rewriter.feed(chunk.getBytes(), 0, length);
        return toBuffer(out, chunk);
    }

    /** The end of the body: the bytes held back, rewritten if they end with a match. */
    Buffer finish() {
        return toBuffer(rewriter.finish(), null);
    }

    private static Buffer toBuffer(Output out, Buffer chunk) {
        if (out instanceof Output.Rewritten rewritten) {
            return Buffer.buffer(Unpooled.wrappedBuffer(rewritten.bytes(), 0, rewritten.length()));
        }
        int length = ((Output.Pass) out).length();
        if (length == 0) {
            return Buffer.buffer(0);
        }
        return length == chunk.length() ? chunk : chunk.slice(0, length);
    }
}
