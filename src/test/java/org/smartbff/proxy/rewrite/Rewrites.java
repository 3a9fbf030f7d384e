package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.smartbff.proxy.rewrite.StreamingUrlRewriter.Output;

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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        for (int size : sizes) {
            int end = Math.min(body.length, pos + size);
            out.writeBytes(feedChecked(rewriter, body, pos, end - pos));
            pos = end;
        }
        if (pos < body.length) {
            out.writeBytes(feedChecked(rewriter, body, pos, body.length - pos));
        }
        out.writeBytes(bytes(rewriter.finish(), null, 0));
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

    /** Feeds {@code body[offset, offset + length)} and returns the bytes to send now. */
    static byte[] feedChecked(StreamingUrlRewriter rewriter, byte[] body, int offset, int length) {
        Output out = rewriter.feed(body, offset, length);
        assertTrue(rewriter.heldBytes() <= rewriter.maxHeldBytes(),
                () -> "held " + rewriter.heldBytes() + " > " + rewriter.maxHeldBytes());
        return bytes(out, body, offset);
    }

    /** The bytes an output stands for: new ones, or the first ones of the chunk fed at {@code fed[offset...]}. */
    static byte[] bytes(Output out, byte[] fed, int offset) {
        if (out instanceof Output.Rewritten rewritten) {
            return Arrays.copyOf(rewritten.bytes(), rewritten.length());
        }
        int length = ((Output.Pass) out).length();
        return length == 0 ? new byte[0] : Arrays.copyOfRange(fed, offset, offset + length);
    }

    /** Feeds one whole chunk given as text; the text to send now. */
    static String feed(StreamingUrlRewriter rewriter, String chunk) {
        byte[] bytes = utf8(chunk);
        return new String(feedChecked(rewriter, bytes, 0, bytes.length), StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
