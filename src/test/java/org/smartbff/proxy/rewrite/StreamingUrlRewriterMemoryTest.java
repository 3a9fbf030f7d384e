package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** A large body streams through with a bounded hold-back; the output is counted, never kept. */
class StreamingUrlRewriterMemoryTest {

    static final String UP = "http://127.0.0.1:8088/fhir";
    static final String PUB = "https://bff.example.org/smart/fhir";
    static final int CHUNK = 64 * 1024;
    static final int CHUNKS = 800; // 50 MiB

    @Test
    void fiftyMegabytesInSixtyFourKilobyteChunks() {
        // Every chunk starts with the end of a URL and ends with the beginning of the next one, so each boundary
        // between chunks falls inside a match that must be held back and completed.
        String head = "88/fhir/Observation/0\"},";
        String tail = "{\"fullUrl\":\"http://127.0.0.1:80";
        String record = "{\"fullUrl\":\"" + UP + "/Observation/1\",\"display\":\"Größe\"},\n";
        StringBuilder body = new StringBuilder(head);
        int inside = 0;
        while (utf8Length(body) + utf8Length(record) + tail.length() <= CHUNK) {
            body.append(record);
            inside++;
        }
        while (utf8Length(body) + tail.length() < CHUNK) {
            body.append(' ');
        }
        body.append(tail);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(CHUNK, bytes.length);

        StreamingUrlRewriter rewriter = new StreamingUrlRewriter(UP, PUB);
        long out = 0;
        for (int i = 0; i < CHUNKS; i++) {
            out += length(rewriter.feed(bytes, 0, bytes.length));
            assertTrue(rewriter.heldBytes() <= rewriter.maxHeldBytes());
            assertEquals(tail.length() - "{\"fullUrl\":\"".length(), rewriter.heldBytes(), "the split URL is held");
        }
        out += length(rewriter.finish());

        // All records inside the chunks, plus the URLs split between chunks; the last tail is cut off, not a match.
        long matches = (long) inside * CHUNKS + (CHUNKS - 1);
        assertEquals((long) CHUNK * CHUNKS + matches * (PUB.length() - UP.length()), out);
    }

    private static int length(StreamingUrlRewriter.Output out) {
        return out instanceof StreamingUrlRewriter.Output.Rewritten rewritten ? rewritten.length()
                : ((StreamingUrlRewriter.Output.Pass) out).length();
    }

    private static int utf8Length(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
