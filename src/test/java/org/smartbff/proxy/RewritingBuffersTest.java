package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.smartbff.proxy.rewrite.StreamingUrlRewriter;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

/** The adapter between Vert.x buffers and the byte-level rewriter: correct output, and no copy of what passes. */
class RewritingBuffersTest {

    static final String UP = "https://ehr.example/fhir";
    static final String PUB = "https://bff.example/fhir";

    private static RewritingBuffers rewriter() {
        return new RewritingBuffers(new StreamingUrlRewriter(UP, PUB));
    }

    @Test
    void a_chunk_without_a_match_is_sent_as_it_is() {
        RewritingBuffers rewriter = rewriter();
        Buffer chunk = Buffer.buffer("{\"resourceType\":\"Bundle\",\"total\":0}");
        assertSame(chunk, rewriter.feed(chunk));
        Buffer near = Buffer.buffer("{\"system\":\"https://loinc.org\"}");
        assertSame(near, rewriter.feed(near));
    }

    @Test
    void a_chunk_with_a_held_tail_is_sliced_not_copied() {
        RewritingBuffers rewriter = rewriter();
        Buffer chunk = Buffer.buffer("{\"url\":\"htt");
        Buffer out = rewriter.feed(chunk);
        assertEquals("{\"url\":\"", out.toString());
        chunk.setByte(0, (byte) '[');
        assertEquals('[', out.getByte(0), "a slice shares the chunk's memory");
    }

    @Test
    void off_heap_chunks_are_rewritten_and_their_unchanged_parts_sliced() {
        RewritingBuffers rewriter = rewriter();
        Buffer first = direct("{\"url\":\"https://ehr.example/fhir/a\",\"b\":\"https://ehr.");
        Buffer second = direct("example/fhir?x\"}");
        Buffer third = direct("{\"c\":1}");
        Buffer out = Buffer.buffer().appendBuffer(rewriter.feed(first)).appendBuffer(rewriter.feed(second));
        assertSame(third, rewriter.feed(third));
        out.appendBuffer(rewriter.finish());
        assertEquals("{\"url\":\"https://bff.example/fhir/a\",\"b\":\"https://bff.example/fhir?x\"}", out.toString());
    }

    @Test
    void a_chunk_at_an_offset_of_its_array_is_read_from_there() {
        RewritingBuffers rewriter = rewriter();
        Buffer whole = Buffer.buffer("xxxx{\"url\":\"https://ehr.example/fhir/1\"}");
        Buffer out = rewriter.feed(whole.slice(4, whole.length()));
        out = Buffer.buffer().appendBuffer(out).appendBuffer(rewriter.finish());
        assertEquals("{\"url\":\"https://bff.example/fhir/1\"}", out.toString());
    }

    @Test
    void the_end_of_a_body_sends_what_was_held() {
        RewritingBuffers rewriter = rewriter();
        assertEquals("", rewriter.feed(Buffer.buffer("https://ehr.example/fhir")).toString());
        assertEquals(PUB, rewriter.finish().toString());
        assertEquals(0, rewriter.finish().length());
    }

    private static Buffer direct(String s) {
        return Buffer.buffer(Unpooled.directBuffer().writeBytes(s.getBytes(StandardCharsets.UTF_8)));
    }
}
