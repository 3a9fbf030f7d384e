package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.smartbff.proxy.rewrite.Rewrites.feed;
import static org.smartbff.proxy.rewrite.Rewrites.run;
import static org.smartbff.proxy.rewrite.Rewrites.utf8;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smartbff.proxy.rewrite.StreamingUrlRewriter.Output;

class StreamingUrlRewriterTest {

    static final String UP = "https://ehr.example/fhir";
    static final String PUB = "https://bff.example/fhir";

    private static String rewrite(String body) {
        return run(new StreamingUrlRewriter(UP, PUB), utf8(body));
    }

    @Test
    void plainLinkIsRewritten() {
        assertEquals("{\"url\":\"https://bff.example/fhir/Observation?patient=1&_getpages=abc\"}",
                rewrite("{\"url\":\"https://ehr.example/fhir/Observation?patient=1&_getpages=abc\"}"));
    }

    @Test
    void escapedLinkIsRewrittenEscaped() {
        assertEquals("{\"url\":\"https:\\/\\/bff.example\\/fhir\\/Observation?patient=1\"}",
                rewrite("{\"url\":\"https:\\/\\/ehr.example\\/fhir\\/Observation?patient=1\"}"));
    }

    @Test
    void everyOccurrenceIsRewritten() {
        assertEquals("[\"https://bff.example/fhir/a\",\"https:\\/\\/bff.example\\/fhir\\/b\",\"https://bff.example/fhir\"]",
                rewrite("[\"https://ehr.example/fhir/a\",\"https:\\/\\/ehr.example\\/fhir\\/b\",\"https://ehr.example/fhir\"]"));
    }

    /** Input and expected output, in one piece; `<` stands for the upstream base, `>` for the public one. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            // boundaries after the base
            "\"</Patient/1\"                 | \">/Patient/1\"",
            "\"<?_getpages=abc\"             | \">?_getpages=abc\"",
            "\"<#frag\"                      | \">#frag\"",
            "\"<\"                           | \">\"",
            "\"<\\\"quoted\\\"\"             | \">\\\"quoted\\\"\"",
            // not a boundary: a longer path segment or another character
            "\"<2/Patient/1\"                | \"<2/Patient/1\"",
            "\"<x\"                          | \"<x\"",
            "\"<.json\"                      | \"<.json\"",
            "\"< \"                          | \"< \"",
            // the first one is not followed by a boundary, the second is
            "\"<<</Patient\"                 | \"<<>/Patient\"",
            // literal matching: other scheme, other case, other host
            "\"http://ehr.example/fhir/a\"   | \"http://ehr.example/fhir/a\"",
            "\"HTTPS://EHR.EXAMPLE/fhir/a\"  | \"HTTPS://EHR.EXAMPLE/fhir/a\"",
            "\"https://ehr.example/fhi/a\"   | \"https://ehr.example/fhi/a\"",
            "\"https://ehr.example.org/fhir/a\" | \"https://ehr.example.org/fhir/a\"",
            // partial prefixes next to each other
            "\"hhttps://ehr.examplehttps://ehr.example/fhir/\" | \"hhttps://ehr.examplehttps://bff.example/fhir/\"",
            // the end of the stream is a boundary (see the class comment)
            "<                               | >",
            "x<                              | x>",
            "x<2                             | x<2",
            "https://ehr.example/fh          | https://ehr.example/fh",
    })
    void plainBoundaries(String input, String expected) {
        assertEquals(plain(expected), rewrite(plain(input)));
        // The same cases in the escaped spelling: the input is escaped as a whole, so the result is too.
        assertEquals(escaped(plain(expected)), rewrite(escaped(plain(input))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            // mixed spellings are not rewritten: neither pattern matches
            "\"https:\\/\\/ehr.example/fhir/a\"     | \"https:\\/\\/ehr.example/fhir/a\"",
            "\"https://ehr.example\\/fhir\\/a\"     | \"https://ehr.example\\/fhir\\/a\"",
            // unicode escapes are not decoded
            "\"https:\\u002F\\u002Fehr.example\\u002Ffhir\\u002Fa\" | \"https:\\u002F\\u002Fehr.example\\u002Ffhir\\u002Fa\"",
            // plain base followed by an escape: a boundary
            "\"https://ehr.example/fhir\\/a\"       | \"https://bff.example/fhir\\/a\"",
            // escaped base at the end of the stream
            "https:\\/\\/ehr.example\\/fhir         | https:\\/\\/bff.example\\/fhir",
            "https:\\/\\/ehr.example\\/fhir2        | https:\\/\\/ehr.example\\/fhir2",
    })
    void otherSpellings(String input, String expected) {
        assertEquals(expected, rewrite(input));
    }

    @Test
    void multiByteCharactersAroundAMatchAreKept() {
        assertEquals("{\"display\":\"Größe ✓ 😀\",\"url\":\"https://bff.example/fhir/é\"}",
                rewrite("{\"display\":\"Größe ✓ 😀\",\"url\":\"https://ehr.example/fhir/é\"}"));
    }

    @Test
    void aMatchSplitAcrossChunksIsHeldBackThenRewritten() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        assertEquals("{\"url\":\"", feed(rewriter, "{\"url\":\"https://ehr.exa"));
        assertEquals("https://ehr.exa".length(), rewriter.heldBytes());
        // The whole base has arrived, but not the byte that says whether it is a boundary.
        assertEquals("", feed(rewriter, "mple/fhir"));
        assertEquals(UP.length(), rewriter.heldBytes());
        assertEquals("https://bff.example/fhir/Patient/1\"}", feed(rewriter, "/Patient/1\"}"));
        assertEquals(0, rewriter.heldBytes());
        assertEquals(Output.NOTHING, rewriter.finish());
    }

    @Test
    void heldBytesThatTurnOutNotToMatchAreReleased() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        assertEquals("a", feed(rewriter, "ahttps://ehr.example/fhir"));
        assertEquals("https://ehr.example/fhir2/x", feed(rewriter, "2/x"));
        assertEquals(0, rewriter.heldBytes());
    }

    @Test
    void aChunkWithoutCandidatesPassesAsItIs() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        byte[] chunk = utf8("{\"resourceType\":\"Bundle\",\"total\":0}");
        assertEquals(new Output.Pass(chunk.length), rewriter.feed(chunk, 0, chunk.length));
        // A candidate that fails, without a replacement, also passes as it is; so does a part of an array.
        byte[] near = utf8("xx{\"system\":\"https://loinc.org\"}yy");
        assertEquals(new Output.Pass(near.length - 4), rewriter.feed(near, 2, near.length - 4));
    }

    @Test
    void aChunkWithAHeldTailPassesItsHead() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        byte[] chunk = utf8("{\"url\":\"htt");
        assertEquals(new Output.Pass("{\"url\":\"".length()), rewriter.feed(chunk, 0, chunk.length));
        assertEquals(3, rewriter.heldBytes());
    }

    @Test
    void theFedArrayIsNotKept() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        byte[] chunk = utf8("{\"url\":\"https://ehr.example/fh");
        rewriter.feed(chunk, 0, chunk.length);
        Arrays.fill(chunk, (byte) 'x');
        assertEquals("https://bff.example/fhir\"}", feed(rewriter, "ir\"}"));
    }

    @Test
    void emptyChunksAndEmptyBodies() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        assertEquals(Output.NOTHING, rewriter.feed(new byte[0], 0, 0));
        assertEquals(Output.NOTHING, rewriter.finish());
    }

    @Test
    void maxHeldBytesIsTheLongestPattern() {
        assertEquals("https:\\/\\/ehr.example\\/fhir".getBytes(StandardCharsets.US_ASCII).length,
                new StreamingUrlRewriter(UP, PUB).maxHeldBytes());
    }

    @Test
    void feedAfterFinishIsRefused() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        rewriter.finish();
        assertThrows(IllegalStateException.class, () -> rewriter.feed(utf8("x"), 0, 1));
        assertEquals(Output.NOTHING, rewriter.finish());
    }

    @Test
    void badBasesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StreamingUrlRewriter(UP + "/", PUB));
        assertThrows(IllegalArgumentException.class, () -> new StreamingUrlRewriter(UP, PUB + "/"));
        assertThrows(IllegalArgumentException.class, () -> new StreamingUrlRewriter("", PUB));
        assertThrows(IllegalArgumentException.class, () -> new StreamingUrlRewriter(null, PUB));
        assertThrows(IllegalArgumentException.class, () -> new StreamingUrlRewriter("https://ehr.exämple/fhir", PUB));
        assertThrows(IllegalArgumentException.class, () -> new StreamingUrlRewriter(UP, "https://bff.example/\"fhir"));
    }

    private static String plain(String template) {
        return template.replace("<", UP).replace(">", PUB);
    }

    /** Escapes every slash, as a serialiser that escapes {@code /} does. */
    private static String escaped(String s) {
        return s.replace("/", "\\/");
    }
}
