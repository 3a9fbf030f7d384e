package org.smartbff.web;

import java.util.List;
import java.util.Map;

/**
 * Whether an HTTP/1.x request says unambiguously where its body ends (RFC 9112 §6). A request that two parsers could
 * frame differently (a front proxy by its Content-Length, smart-bff by its Transfer-Encoding, or the other way round)
 * can smuggle a second request inside its body; such requests are refused, and the connection that carried them is
 * closed after the answer, so nothing that follows on it is read as a request (RFC 9112 §6.1, §6.3).
 *
 * <p>
 * Pure: it sees the header lines as the HTTP decoder reported them, plus the size of the raw header block. Netty's
 * decoder drops {@code Content-Length} when {@code Transfer-Encoding: chunked} is also present, before any handler
 * sees the request; the raw size still counts the dropped line, so a header block larger than the lines that are left
 * can explain gives it away (the lines' names and values with a colon and no whitespace are the least the block holds).
 */
public final class RequestFraming {

    /** The shortest possible Content-Length line, {@code content-length:0}, without its CRLF. */
    static final int SHORTEST_CONTENT_LENGTH_LINE = "content-length:0".length();

    private RequestFraming() {
    }

    public sealed interface Verdict {

        /** Framed one way only. A chunked request still closes its connection: see {@link RequestFraming}. */
        record Sound(boolean closeAfter) implements Verdict {
        }

        /** Refused with 400 and a closed connection; {@code reason} is safe to show (it quotes no header value). */
        record Refused(String reason) implements Verdict {
        }
    }

    /**
     * @param http10 the request line says HTTP/1.0
     * @param headers the header lines in order, as decoded (names as sent, values trimmed)
     * @param rawHeaderBytes the size of the header block as received, CRLFs excluded; negative when unknown
     */
    public static Verdict check(boolean http10, List<Map.Entry<String, String>> headers, int rawHeaderBytes) {
        int hosts = 0;
        int contentLengths = 0;
        int transferEncodings = 0;
        String transferEncoding = null;
        long explained = 0;
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey();
            explained += name.length() + 1 + header.getValue().length();
            if (name.equalsIgnoreCase("host")) {
                hosts++;
            } else if (name.equalsIgnoreCase("content-length")) {
                contentLengths++;
                if (!isDigits(header.getValue())) {
                    return new Verdict.Refused("The Content-Length header is not a number.");
                }
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                transferEncodings++;
                transferEncoding = header.getValue();
            }
        }
        if (hosts > 1) {
            return new Verdict.Refused("The request has more than one Host header.");
        }
        if (hosts == 0 && !http10) {
            return new Verdict.Refused("An HTTP/1.1 request needs a Host header.");
        }
        if (contentLengths > 1) {
            return new Verdict.Refused("The request has more than one Content-Length header.");
        }
        if (transferEncodings == 0) {
            return new Verdict.Sound(false);
        }
        if (http10) {
            return new Verdict.Refused("An HTTP/1.0 request cannot use Transfer-Encoding.");
        }
        if (transferEncodings > 1 || !"chunked".equals(transferEncoding)) {
            return new Verdict.Refused("The only Transfer-Encoding accepted is a single 'chunked'.");
        }
        if (contentLengths > 0 || (rawHeaderBytes >= 0 && rawHeaderBytes - explained >= SHORTEST_CONTENT_LENGTH_LINE)) {
            return new Verdict.Refused("The request has both Content-Length and Transfer-Encoding.");
        }
        return new Verdict.Sound(true);
    }

    private static boolean isDigits(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
