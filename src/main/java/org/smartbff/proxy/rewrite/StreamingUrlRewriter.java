package org.smartbff.proxy.rewrite;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites the FHIR server's base URL to the BFF's public FHIR mount in a JSON response body, while it streams.
 *
 * <p>
 * FHIR servers write their own absolute base into {@code Bundle.link[].url}, {@code entry[].fullUrl} and
 * references; behind the proxy those URLs would send the browser past the BFF (and break paging). Every occurrence of
 * the upstream base is replaced, in two spellings: plain ({@code https://ehr.example/fhir}) and with every slash
 * JSON-escaped ({@code https:\/\/ehr.example\/fhir}), which some serialisers emit; the escaped form is replaced by the
 * public base escaped the same way. Other spellings (a slash written as a Unicode escape, only some slashes escaped,
 * a different letter case or scheme) are left alone: the match is literal.
 *
 * <p>
 * An occurrence is replaced only when it is followed by a boundary, so that {@code .../fhir2} or {@code .../fhirx}
 * stay as they are. A boundary is one of {@code / ? # "} or {@code \} (the start of an escape such as {@code \/} or
 * {@code \"}), or the end of the stream: a URL inside a JSON string always ends with {@code "}, so the end of the
 * stream right after the base only happens for a truncated or non-JSON body, where rewriting is the useful choice.
 *
 * <p>
 * Matching is done on bytes, never on decoded text. That is safe for UTF-8 bodies: the patterns are ASCII, and no
 * byte of a UTF-8 multi-byte sequence is in the ASCII range, so a pattern can never match inside one, nor can a
 * replacement split one. Only JSON is handled (see {@link #isRewritable(String)}); XML would need the
 * {@code &amp;}-escaped forms and is out of scope.
 *
 * <p>
 * <b>Cost model.</b> Each chunk is scanned once, Horspool's way: a window as long as the shorter pattern is looked at
 * by its last byte only, and a byte that no pattern has near its end moves the window on by up to its whole length
 * (JSON is mostly such bytes), so most bytes of a body are never read. Only where the last byte and the first byte
 * both fit are the patterns compared. The last few bytes of a chunk, where a window no longer fits, are looked at
 * one by one for the first byte of a pattern, as a match may begin there and end in the next chunk. A chunk without a match
 * comes back as {@link Output.Pass}: "send the first n bytes of what you gave me as they are", so the caller sends its
 * own buffer (or a slice of it, when the tail is held back) without a copy. A chunk with matches costs one bulk copy
 * of the unchanged runs plus the replacements into one new array ({@link Output.Rewritten}). When the previous chunk ended with
 * the beginning of a possible match (at most the longest pattern
 * length, in bytes, is held back), the held bytes and the new chunk are joined into one array first: one more copy,
 * for that chunk only. Nothing is allocated per byte, and memory does not grow with the body.
 *
 * <p>
 * For the caller: only a body without {@code Content-Encoding} can be rewritten (a compressed one is bytes this class
 * cannot see into), and its length changes, so {@code Content-Length} has to go (send it chunked).
 *
 * <p>
 * This class knows bytes only (no buffer type of any runtime), so its rules are tested on arrays; the proxy adapts its
 * network buffers to it. Not thread-safe: one instance per response, fed in order from the event loop.
 */
public final class StreamingUrlRewriter {

    /** What a chunk becomes. */
    public sealed interface Output {

        /** Nothing to send yet. */
        Output NOTHING = new Pass(0);

        /**
         * The first {@code length} bytes of the chunk just fed go out unchanged: send (a slice of) that chunk itself.
         * The rest of it is held back.
         */
        record Pass(int length) implements Output {
        }

        /** New bytes, {@code bytes[0, length)}, owned by the caller from now on. */
        record Rewritten(byte[] bytes, int length) implements Output {
        }
    }

    private static final int NO_MATCH = -1;
    private static final int NEED_MORE = -2;

    /** Plain and escaped spelling of the upstream base; one entry when the two are the same. */
    private final byte[][] patterns;
    /** {@code replacements[i]} replaces {@code patterns[i]}. */
    private final byte[][] replacements;
    /** First bytes of the patterns, for the scan; the same when there is only one pattern. */
    private final byte first0;
    private final byte first1;
    /** The scan's window: the length of the shorter pattern. */
    private final int window;
    /** The last byte of each pattern's first {@link #window} bytes. */
    private final byte windowLast0;
    private final byte windowLast1;
    /** How far the window may move when its last byte is {@code b}: {@code shifts[b & 0xff]} (Horspool's table). */
    private final int[] shifts;

    /** Bytes held back from the previous chunk: the beginning of a possible match. */
    private final byte[] held;
    private int heldLength;
    private boolean finished;

    /**
     * @param upstreamBase the FHIR server's base, without a trailing slash, e.g. {@code https://ehr.example/fhir}
     * @param publicBase the BFF's public FHIR mount, without a trailing slash, e.g. {@code https://bff.example/fhir}
     * @throws IllegalArgumentException when a base is empty, ends with a slash, or has a byte that is not printable
     *         ASCII or that JSON would escape ({@code "} and {@code \})
     */
    public StreamingUrlRewriter(String upstreamBase, String publicBase) {
        Spellings spellings = Spellings.of(upstreamBase, publicBase);
        patterns = spellings.patterns();
        replacements = spellings.replacements();
        first0 = patterns[0][0];
        first1 = patterns[patterns.length - 1][0];
        window = spellings.window();
        windowLast0 = patterns[0][window - 1];
        windowLast1 = patterns[patterns.length - 1][window - 1];
        shifts = spellings.shifts();
        held = new byte[patterns[patterns.length - 1].length];
    }

    /**
     * The byte patterns and replacements of a pair of bases, made once per FHIR server rather than once per response
     * (a rewriter is made for every JSON response, most of them small).
     */
    private record Spellings(String upstreamBase, String publicBase, byte[][] patterns, byte[][] replacements,
            int window, int[] shifts) {

        Spellings(String upstreamBase, String publicBase, byte[][] patterns, byte[][] replacements) {
            this(upstreamBase, publicBase, patterns, replacements, shortest(patterns), shifts(patterns));
        }

        private static int shortest(byte[][] patterns) {
            int shortest = Integer.MAX_VALUE;
            for (byte[] pattern : patterns) {
                shortest = Math.min(shortest, pattern.length);
            }
            return shortest;
        }

        /**
         * For each byte value, the distance from its last place among the first {@code window - 1} bytes of any
         * pattern to the window's end; the whole window for a byte that is not there. A window whose last byte is
         * {@code b} can then move on by {@code shifts[b]} without passing a position where a pattern could start.
         */
        private static int[] shifts(byte[][] patterns) {
            int window = shortest(patterns);
            int[] shifts = new int[256];
            Arrays.fill(shifts, window);
            for (byte[] pattern : patterns) {
                for (int i = 0; i < window - 1; i++) {
                    int b = pattern[i] & 0xff;
                    shifts[b] = Math.min(shifts[b], window - 1 - i);
                }
            }
            return shifts;
        }

        private static final Map<String, Spellings> BY_UPSTREAM = new ConcurrentHashMap<>();

        static Spellings of(String upstreamBase, String publicBase) {
            Spellings known = upstreamBase == null ? null : BY_UPSTREAM.get(upstreamBase);
            if (known != null && known.publicBase().equals(publicBase)) {
                return known;
            }
            Spellings made = make(upstreamBase, publicBase);
            if (BY_UPSTREAM.size() < 1_000) {
                BY_UPSTREAM.put(upstreamBase, made);
            }
            return made;
        }

        private static Spellings make(String upstreamBase, String publicBase) {
            requireBase("upstreamBase", upstreamBase);
            requireBase("publicBase", publicBase);
            byte[] plain = ascii(upstreamBase);
            byte[] escaped = ascii(escapeSlashes(upstreamBase));
            if (plain.length == escaped.length) {
                // No slash at all: both spellings are the same, one pattern is enough.
                return new Spellings(upstreamBase, publicBase, new byte[][] { plain },
                        new byte[][] { ascii(publicBase) });
            }
            return new Spellings(upstreamBase, publicBase, new byte[][] { plain, escaped },
                    new byte[][] { ascii(publicBase), ascii(escapeSlashes(publicBase)) });
        }
    }

    /**
     * Takes the next chunk of the body, {@code bytes[offset, offset + length)}, and says what can be sent now. Holds
     * back at most {@link #maxHeldBytes()} bytes that could be the beginning of a match. The array is only read, and
     * not kept: the caller may reuse it once this returns (a {@link Output.Pass} refers to the caller's own copy).
     */
    public Output feed(byte[] bytes, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("feed after finish");
        }
        if (length == 0) {
            return Output.NOTHING;
        }
        if (heldLength == 0) {
            return process(bytes, offset, length, true);
        }
        // The held bytes may be completed by this chunk: scan both as one array.
        byte[] joined = new byte[heldLength + length];
        System.arraycopy(held, 0, joined, 0, heldLength);
        System.arraycopy(bytes, offset, joined, heldLength, length);
        heldLength = 0;
        return process(joined, 0, joined.length, false);
    }

    /** Ends the body and returns the rest: the held bytes, rewritten if they end with a match. */
    public Output finish() {
        if (finished) {
            return Output.NOTHING;
        }
        finished = true;
        if (heldLength == 0) {
            return Output.NOTHING;
        }
        byte[] rest = new byte[heldLength];
        System.arraycopy(held, 0, rest, 0, heldLength);
        heldLength = 0;
        return process(rest, 0, rest.length, false);
    }

    /** The most bytes {@link #feed} ever holds back: the length of the longest pattern. */
    public int maxHeldBytes() {
        return held.length;
    }

    /** Bytes held back right now; for tests. */
    int heldBytes() {
        return heldLength;
    }

    /**
     * Rewrites {@code bytes[offset, offset + length)}, keeps a possibly incomplete match at its end in {@link #held},
     * and returns the rest. {@code callersBytes}: these are exactly the bytes of the chunk fed, so a run without a
     * replacement can be passed as it is.
     */
    private Output process(byte[] bytes, int offset, int length, boolean callersBytes) {
        int end = offset + length;
        int pos = offset;
        int copiedUpTo = offset;
        int keepFrom = end;
        Appender out = null;
        while ((pos = nextCandidate(bytes, pos, end)) < end) {
            int match = matchAt(bytes, pos, end);
            if (match == NEED_MORE) {
                keepFrom = pos;
                break;
            }
            if (match == NO_MATCH) {
                pos++;
                continue;
            }
            if (out == null) {
                // Room for the chunk and a few replacements; it grows if needed.
                out = new Appender(length + 256);
            }
            out.append(bytes, copiedUpTo, pos - copiedUpTo).append(replacements[match], 0, replacements[match].length);
            pos += patterns[match].length;
            copiedUpTo = pos;
        }
        heldLength = end - keepFrom;
        System.arraycopy(bytes, keepFrom, held, 0, heldLength);
        if (out != null) {
            return out.append(bytes, copiedUpTo, keepFrom - copiedUpTo).done();
        }
        // Nothing replaced: everything up to keepFrom passes unchanged.
        if (callersBytes) {
            return new Output.Pass(keepFrom - offset);
        }
        return new Appender(keepFrom - offset).append(bytes, offset, keepFrom - offset).done();
    }

    /** A growing byte array, for a chunk with replacements. */
    private static final class Appender {
        private byte[] bytes;
        private int length;

        Appender(int capacity) {
            bytes = new byte[capacity];
        }

        Appender append(byte[] from, int offset, int count) {
            if (length + count > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + count, bytes.length * 2));
            }
            System.arraycopy(from, offset, bytes, length, count);
            length += count;
            return this;
        }

        Output done() {
            return length == 0 ? Output.NOTHING : new Output.Rewritten(bytes, length);
        }
    }

    /**
     * The first index in {@code [from, end)} where a pattern may start, or {@code end}. Where a whole window fits, a
     * candidate has a pattern's first byte and, a window further on, that window's last byte; positions skipped by the
     * table cannot begin a pattern (the byte at the window's end rules each of them out). In the last bytes, every
     * position with a pattern's first byte is a candidate: the rest of the match may still be coming.
     */
    private int nextCandidate(byte[] bytes, int from, int end) {
        byte a = first0;
        byte b = first1;
        int last = window - 1;
        int i = from;
        while (i + last < end) {
            byte c = bytes[i + last];
            if ((c == windowLast0 || c == windowLast1) && (bytes[i] == a || bytes[i] == b)) {
                return i;
            }
            i += shifts[c & 0xff];
        }
        for (; i < end; i++) {
            byte c = bytes[i];
            if (c == a || c == b) {
                return i;
            }
        }
        return end;
    }

    /**
     * Whether a pattern, followed by a boundary, starts at {@code pos}: the index of that pattern, {@link #NO_MATCH},
     * or {@link #NEED_MORE} when the bytes run out before it can be decided (never once {@link #finished}).
     */
    private int matchAt(byte[] bytes, int pos, int end) {
        int result = NO_MATCH;
        for (int p = 0; p < patterns.length; p++) {
            int r = matchPattern(patterns[p], bytes, pos, end);
            if (r == NEED_MORE) {
                result = NEED_MORE;
            } else if (r != NO_MATCH) {
                // The spellings differ at the first slash, so at most one of them can match here.
                return p;
            }
        }
        return result;
    }

    /** {@code 0} when {@code pattern} and a boundary are at {@code pos}; else {@link #NO_MATCH} or {@link #NEED_MORE}. */
    private int matchPattern(byte[] pattern, byte[] bytes, int pos, int end) {
        int n = pattern.length;
        int available = Math.min(n, end - pos);
        for (int k = 0; k < available; k++) {
            if (bytes[pos + k] != pattern[k]) {
                return NO_MATCH;
            }
        }
        if (pos + n < end) {
            return isBoundary(bytes[pos + n]) ? 0 : NO_MATCH;
        }
        // Bytes ran out inside the pattern, or right after it. The end of the body counts as a boundary.
        if (finished) {
            return available == n ? 0 : NO_MATCH;
        }
        return NEED_MORE;
    }

    private static boolean isBoundary(byte b) {
        return b == '/' || b == '?' || b == '#' || b == '"' || b == '\\';
    }

    /**
     * Rewrites a header value such as {@code Location} or {@code Content-Location}: a URL that starts with
     * {@code upstreamBase} followed by its end, {@code /}, {@code ?} or {@code #} gets {@code publicBase} instead of
     * that prefix; anything else (including null) is returned unchanged.
     */
    public static String rewriteUrl(String url, String upstreamBase, String publicBase) {
        if (url == null || !url.startsWith(upstreamBase)) {
            return url;
        }
        int n = upstreamBase.length();
        if (url.length() > n) {
            char next = url.charAt(n);
            if (next != '/' && next != '?' && next != '#') {
                return url;
            }
        }
        return publicBase + url.substring(n);
    }

    /**
     * Whether a body of this {@code Content-Type} is rewritten: FHIR JSON and plain JSON ({@code application/fhir+json},
     * {@code application/json}, and the older {@code application/json+fhir}), with any parameters, in any letter case.
     * Everything else is not: XML (out of scope, see the class comment), binary, images, a missing type.
     */
    public static boolean isRewritable(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return type.equals("application/fhir+json") || type.equals("application/json")
                || type.equals("application/json+fhir");
    }

    private static void requireBase(String name, String base) {
        if (base == null || base.isEmpty() || base.endsWith("/")) {
            throw new IllegalArgumentException(name + " must be non-empty and have no trailing slash: " + base);
        }
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                throw new IllegalArgumentException(name + " must be printable ASCII without \" or \\: " + base);
            }
        }
    }

    private static String escapeSlashes(String s) {
        return s.replace("/", "\\/");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
