package org.smartbff.testsupport.fake;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Streams a FHIR searchset Bundle of exactly N MiB, generated on the fly, so that a proxy's
 * streaming and memory behaviour can be tested with responses far larger than anyone would hold in memory.
 *
 * <p>
 * The bundle is written in {@link #CHUNK_BYTES} writes and only while the response's write queue has room;
 * when it is full the writer waits for the drain handler. At most one chunk plus one entry exists at a time.
 * The exact size is reached by padding with JSON whitespace before the closing {@code ]}, so the body is always
 * valid JSON. Entries are Observations whose {@code fullUrl} is {@code <fhirBase>/Observation/<n>}, n from 1.
 *
 * <p>
 * Confined to the event loop of the response: every method runs there, so no locking is needed.
 */
final class BigBundleWriter {

    static final int CHUNK_BYTES = 64 * 1024;
    private static final String FOOTER = "]}";

    private final HttpServerResponse response;
    private final String fhirBase;
    private final String patientId;
    private final int mebibytes;
    private final long totalBytes;
    private final Runnable onBackPressure;
    private final StringBuilder pending = new StringBuilder(2 * CHUNK_BYTES);
    private long generated;
    private long written;
    private long nextEntry = 1;
    private boolean stopped;

    /**
     * @param onBackPressure called each time the writer has to wait for the write queue to drain
     */
    BigBundleWriter(HttpServerResponse response, String fhirBase, String patientId, int mebibytes,
            Runnable onBackPressure) {
        if (mebibytes < 1) {
            throw new IllegalArgumentException("at least 1 MiB, not " + mebibytes);
        }
        this.response = response;
        this.fhirBase = fhirBase;
        this.patientId = patientId;
        this.mebibytes = mebibytes;
        this.totalBytes = (long) mebibytes << 20;
        this.onBackPressure = onBackPressure;
    }

    /** Begins the body; the status and headers must already be set. */
    void start() {
        String header = "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"self\","
                + "\"url\":\"" + fhirBase + "/Observation?_fake=big&mb=" + mebibytes + "\"}],\"entry\":[";
        pending.append(header);
        generated = header.length();
        response.setChunked(true);
        response.closeHandler(v -> stopped = true);
        response.exceptionHandler(e -> stopped = true);
        writeMore();
    }

    private void writeMore() {
        while (!stopped && !response.closed() && written < totalBytes) {
            if (response.writeQueueFull()) {
                onBackPressure.run();
                response.drainHandler(v -> writeMore());
                return;
            }
            response.write(Buffer.buffer(nextChunk()));
        }
        if (!stopped && !response.closed() && !response.ended()) {
            response.end();
        }
    }

    private byte[] nextChunk() {
        int size = (int) Math.min(CHUNK_BYTES, totalBytes - written);
        while (pending.length() < size) {
            generate();
        }
        // Everything generated is ASCII, so characters and bytes coincide.
        byte[] chunk = pending.substring(0, size).getBytes(StandardCharsets.US_ASCII);
        pending.delete(0, size);
        written += size;
        return chunk;
    }

    /** Appends the next entry, or, when it would not fit, the padding and the end of the bundle. */
    private void generate() {
        if (generated >= totalBytes) {
            throw new IllegalStateException("bundle already complete");
        }
        String entry = (nextEntry == 1 ? "" : ",") + entry(nextEntry);
        if (generated + entry.length() + FOOTER.length() <= totalBytes) {
            pending.append(entry);
            generated += entry.length();
            nextEntry++;
            return;
        }
        int padding = (int) (totalBytes - generated - FOOTER.length());
        pending.append(" ".repeat(padding)).append(FOOTER);
        generated = totalBytes;
    }

    private String entry(long n) {
        return "{\"fullUrl\":\"" + fhirBase + "/Observation/" + n + "\","
                + "\"resource\":{\"resourceType\":\"Observation\",\"id\":\"" + n + "\",\"status\":\"final\","
                + "\"code\":{\"text\":\"Streaming filler\"},\"subject\":{\"reference\":\"Patient/" + patientId + "\"},"
                + "\"valueQuantity\":{\"value\":" + n + ",\"unit\":\"1\"}},"
                + "\"search\":{\"mode\":\"match\"}}";
    }
}
