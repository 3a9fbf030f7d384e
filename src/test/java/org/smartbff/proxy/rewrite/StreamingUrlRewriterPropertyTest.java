package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.smartbff.proxy.rewrite.Rewrites.reference;
import static org.smartbff.proxy.rewrite.Rewrites.run;
import static org.smartbff.proxy.rewrite.Rewrites.runRandomly;
import static org.smartbff.proxy.rewrite.Rewrites.utf8;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Many chunkings of the same body give the same output as the String-based reference: no chunk boundary, wherever it
 * falls in or next to a match, changes the result. The generated bodies and cuts are jqwik properties (seeded, so a run
 * is repeatable; a failure is shrunk to its smallest form); the sample bundle is checked with seeded random chunkings.
 */
class StreamingUrlRewriterPropertyTest {

    /** The base of the HAPI server the sample was taken from. */
    static final String UP = "http://127.0.0.1:8088/fhir";
    /** Longer than {@link #UP}, so that a missed or doubled replacement also shows in the length. */
    static final String PUB = "https://bff.example.org/smart/fhir";
    static final int[] MAX_CHUNKS = { 1, 2, 3, 5, 8, 17, 31, 64, 257, 1024, 8192, 65536 };

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sampleBundleInRandomChunks() throws IOException {
        String bundle = sample();
        String expected = reference(bundle, UP, PUB);
        // The reference did its job on this sample: 57 fullUrls and 2 links, nothing of the upstream left.
        assertEquals(59, count(expected, PUB));
        assertFalse(expected.contains(UP));
        assertEquals(PUB + "?_getpages=ec4945d6-b282-4f79-99d4-9e1cb9c37843&_getpagesoffset=57&_count=57"
                + "&_bundletype=searchset", nextLink(expected));
        checkChunkings(bundle, expected, 20240601L);
    }

    @Test
    void escapedSampleBundleInRandomChunks() throws IOException {
        String bundle = sample();
        // JSON has no slash outside strings, so escaping every slash escapes exactly those inside strings.
        String escaped = bundle.replace("/", "\\/");
        assertEquals(JSON.readTree(bundle), JSON.readTree(escaped), "the escaped variant is the same JSON");
        String expected = reference(escaped, UP, PUB);
        assertEquals(59, count(expected, PUB.replace("/", "\\/")));
        assertEquals(JSON.readTree(reference(bundle, UP, PUB)), JSON.readTree(expected));
        checkChunkings(escaped, expected, 77L);
    }

    /** Other hosts a server may name, beside its own base: they must pass through untouched, never be introduced. */
    static final String OTHER = "https://evil.example:8443/fhir";

    /**
     * Any body made of the pieces that make the cases hard (parts of both spellings of the base, another host,
     * boundary and non-boundary characters, multi-byte characters), cut anywhere into any number of buffers: the output
     * is the one-buffer output, which is the String reference's, and it differs from the body only where the FHIR
     * base became the public one, so it names no other host.
     */
    @Property(tries = 400, seed = "20261205")
    void anyBodyInAnySplitRewritesAsInOneBufferAndChangesNothingButTheBase(@ForAll("hardBodies") String body,
            @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 70) Integer> cuts) {
        byte[] bytes = utf8(body);
        String whole = run(new StreamingUrlRewriter(UP, PUB), bytes);
        assertEquals(reference(body, UP, PUB), whole);
        assertEquals(whole, run(new StreamingUrlRewriter(UP, PUB), bytes, cuts.stream().mapToInt(Integer::intValue).toArray()));
        // The only change is the FHIR base swapped for the public one: no other host can appear or be altered.
        assertEquals(body, whole.replace(PUB, UP).replace(PUB.replace("/", "\\/"), UP.replace("/", "\\/")));
    }

    @Provide
    Arbitrary<String> hardBodies() {
        return Arbitraries.of(UP, UP, UP.replace("/", "\\/"), OTHER, OTHER.replace("/", "\\/"), "http:", "http://",
                "https://", "http:\\/\\/", "127.0.0.1:8088", "127.0.0.1:80889", "/fhir", "\\/fhir", "fhir", "h",
                "ht", "/", "\\", "\\/", "\"", "?", "#", "2", "x", " ", "@", ":", "é", "😀", UP.substring(0, 20),
                UP.replace("/", "\\/").substring(0, 17))
                .list().ofMaxSize(60).map(pieces -> String.join("", pieces));
    }

    /**
     * The scan skips ahead by a table made from the base's bytes: bodies made of those bytes and of pieces of the base
     * (what the table knows), for bases from one byte long to a few hundred, cut anywhere, rewrite as the
     * String reference does. A skip too far would miss an occurrence.
     */
    @Property(tries = 300, seed = "20261206")
    void bodiesMadeOfTheBasesOwnBytesRewriteAsTheReferenceForAnyBaseLength(@ForAll("bases") String base,
            @ForAll @Size(max = 50) List<@IntRange(min = 0, max = 400) Integer> pieces,
            @ForAll @Size(max = 10) List<@IntRange(min = 0, max = 200) Integer> cuts) {
        String escaped = base.replace("/", "\\/");
        StringBuilder body = new StringBuilder();
        for (int piece : pieces) {
            // Whole bases (plain, escaped), prefixes and suffixes of them, single bytes of them, and boundaries.
            String from = piece % 2 == 0 ? base : escaped;
            int at = piece % from.length();
            switch (piece % 5) {
                case 0 -> body.append(from);
                case 1 -> body.append(from, 0, at);
                case 2 -> body.append(from, at, from.length());
                case 3 -> body.append(from.charAt(at));
                default -> body.append("\"/?#x".charAt(piece % 5 == 4 ? at % 5 : 0));
            }
        }
        String input = body.toString();
        String publicBase = "https://bff.example/fhir";
        byte[] bytes = utf8(input);
        String expected = reference(input, base, publicBase);
        assertEquals(expected, run(new StreamingUrlRewriter(base, publicBase), bytes));
        assertEquals(expected, run(new StreamingUrlRewriter(base, publicBase), bytes,
                cuts.stream().mapToInt(Integer::intValue).toArray()));
    }

    @Provide
    Arbitrary<String> bases() {
        return Arbitraries.oneOf(Arbitraries.of("h", "hh", "http://a", "http://aaaa/fhir/fhir", UP),
                Arbitraries.strings().withChars("ht:/p.1f").ofMinLength(1).ofMaxLength(300)
                        .filter(b -> !b.endsWith("/"))
                        .map(b -> "http://" + b));
    }

    /** Every way to cut a tricky body in two and in three pieces. */
    @Test
    void everySplitPoint() {
        String input = "{\"a\":\"" + UP + "/x\",\"b\":\"" + UP.replace("/", "\\/") + "\\/y\",\"c\":\"" + UP + "2\",\"d\":\""
                + UP + "\"}" + UP;
        String expected = reference(input, UP, PUB);
        byte[] bytes = utf8(input);
        for (int i = 0; i <= bytes.length; i++) {
            assertEquals(expected, run(new StreamingUrlRewriter(UP, PUB), bytes, i), "split at " + i);
            for (int j = 0; i + j <= bytes.length; j++) {
                assertEquals(expected, run(new StreamingUrlRewriter(UP, PUB), bytes, i, j), "split at " + i + ", " + j);
            }
        }
    }

    private static void checkChunkings(String input, String expected, long seed) {
        byte[] bytes = utf8(input);
        Random random = new Random(seed);
        int[] ones = new int[bytes.length];
        Arrays.fill(ones, 1);
        assertEquals(expected, run(new StreamingUrlRewriter(UP, PUB), bytes, ones), "1-byte chunks");
        assertEquals(expected, run(new StreamingUrlRewriter(UP, PUB), bytes), "one chunk");
        for (int round = 0; round < 100; round++) {
            int maxChunk = MAX_CHUNKS[round % MAX_CHUNKS.length];
            assertEquals(expected, runRandomly(new StreamingUrlRewriter(UP, PUB), bytes, random, maxChunk),
                    "seed " + seed + ", round " + round + ", chunks up to " + maxChunk);
        }
    }

    private static String nextLink(String bundle) throws IOException {
        for (JsonNode link : JSON.readTree(bundle).get("link")) {
            if (link.get("relation").asText().equals("next")) {
                return link.get("url").asText();
            }
        }
        return null;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    private static String sample() throws IOException {
        try (InputStream in = StreamingUrlRewriterPropertyTest.class
                .getResourceAsStream("/rewrite/Observation-searchset.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
