package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.smartbff.proxy.rewrite.Rewrites.run;
import static org.smartbff.proxy.rewrite.Rewrites.utf8;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

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
        Buffer first = rewriter.feed(Buffer.buffer("{\"url\":\"https://ehr.exa"));
        assertEquals("{\"url\":\"", first.toString());
        assertEquals("https://ehr.exa".length(), rewriter.heldBytes());
        // The whole base has arrived, but not the byte that says whether it is a boundary.
        Buffer second = rewriter.feed(Buffer.buffer("mple/fhir"));
        assertEquals("", second.toString());
        assertEquals(UP.length(), rewriter.heldBytes());
        Buffer third = rewriter.feed(Buffer.buffer("/Patient/1\"}"));
        assertEquals("https://bff.example/fhir/Patient/1\"}", third.toString());
        assertEquals(0, rewriter.heldBytes());
        assertEquals("", rewriter.finish().toString());
    }

    @Test
    void heldBytesThatTurnOutNotToMatchAreReleased() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        assertEquals("a", rewriter.feed(Buffer.buffer("ahttps://ehr.example/fhir")).toString());
        assertEquals("https://ehr.example/fhir2/x", rewriter.feed(Buffer.buffer("2/x")).toString());
        assertEquals(0, rewriter.heldBytes());
    }

    @Test
    void aChunkWithoutCandidatesIsReturnedAsItIs() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        Buffer chunk = Buffer.buffer("{\"resourceType\":\"Bundle\",\"total\":0}");
        assertSame(chunk, rewriter.feed(chunk));
        // A candidate that fails, without a replacement, also needs no copy.
        Buffer near = Buffer.buffer("{\"system\":\"https://loinc.org\"}");
        assertSame(near, rewriter.feed(near));
    }

    @Test
    void aChunkWithAHeldTailIsSlicedNotCopied() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        Buffer chunk = Buffer.buffer("{\"url\":\"htt");
        Buffer out = rewriter.feed(chunk);
        assertEquals("{\"url\":\"", out.toString());
        assertEquals(3, rewriter.heldBytes());
        // A slice shares the chunk's memory.
        chunk.setByte(0, (byte) '[');
        assertEquals('[', out.getByte(0));
    }

    @Test
    void offHeapChunks() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        Buffer out = Buffer.buffer()
                .appendBuffer(rewriter.feed(direct("{\"url\":\"https://ehr.example/fhir/a\",\"b\":\"https://ehr.")))
                .appendBuffer(rewriter.feed(direct("example/fhir?x\"}")))
                .appendBuffer(rewriter.finish());
        assertEquals("{\"url\":\"https://bff.example/fhir/a\",\"b\":\"https://bff.example/fhir?x\"}", out.toString());
    }

    private static Buffer direct(String s) {
        return Buffer.buffer(Unpooled.directBuffer().writeBytes(utf8(s)));
    }

    @Test
    void emptyChunksAndEmptyBodies() {
        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        assertEquals(0, rewriter.feed(Buffer.buffer()).length());
        assertEquals(0, rewriter.finish().length());
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
        assertThrows(IllegalStateException.class, () -> rewriter.feed(Buffer.buffer("x")));
        assertEquals(0, rewriter.finish().length());
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
