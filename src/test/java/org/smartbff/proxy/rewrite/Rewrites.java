package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.buffer.Buffer;

/** Test helpers: a reference implementation and a driver that feeds a body in given chunks. */
final class Rewrites {

    private Rewrites() {
    }

    /**
     * The obviously correct version, on a whole String: a regular expression for either spelling of the base, followed
     * by a boundary character or the end of the input, replaced left to right.
     */
    static String reference(String body, String upstreamBase, String publicBase) {
        String escapedUpstream = upstreamBase.replace("/", "\\/");
        String escapedPublic = publicBase.replace("/", "\\/");
        Pattern pattern = Pattern.compile("(?:(" + Pattern.quote(upstreamBase) + ")|(" + Pattern.quote(escapedUpstream)
                + "))(?=[/?#\"\\\\]|\\z)");
        return pattern.matcher(body).replaceAll(
                match -> Matcher.quoteReplacement(match.group(1) != null ? publicBase : escapedPublic));
    }

    /** Feeds {@code body} cut at the given chunk sizes (the last chunk takes the rest) and returns all output. */
    static String run(StreamingUrlRewriter rewriter, byte[] body, int... sizes) {
        Buffer out = Buffer.buffer();
        int pos = 0;
        for (int size : sizes) {
            int end = Math.min(body.length, pos + size);
            out.appendBuffer(feedChecked(rewriter, Buffer.buffer().appendBytes(body, pos, end - pos)));
            pos = end;
        }
        if (pos < body.length) {
            out.appendBuffer(feedChecked(rewriter, Buffer.buffer().appendBytes(body, pos, body.length - pos)));
        }
        out.appendBuffer(rewriter.finish());
        assertEquals(0, rewriter.heldBytes(), "nothing held after finish");
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Feeds {@code body} in random chunks of 1 to {@code maxChunk} bytes. */
    static String runRandomly(StreamingUrlRewriter rewriter, byte[] body, Random random, int maxChunk) {
        int[] sizes = new int[body.length];
        int count = 0;
        for (int pos = 0; pos < body.length; count++) {
            sizes[count] = 1 + random.nextInt(maxChunk);
            pos += sizes[count];
        }
        return run(rewriter, body, Arrays.copyOf(sizes, count));
    }

    static Buffer feedChecked(StreamingUrlRewriter rewriter, Buffer chunk) {
        Buffer out = rewriter.feed(chunk);
        assertTrue(rewriter.heldBytes() <= rewriter.maxHeldBytes(),
                () -> "held " + rewriter.heldBytes() + " > " + rewriter.maxHeldBytes());
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
