package org.smartbff.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Requests whose body could be framed two ways, sent raw (whole and byte by byte) with a second request hidden where a
 * parser that framed them the other way would find it: each gets 400, its connection is closed, and the hidden request
 * is never answered, on every kind of path. Plain keep-alive and plain chunked requests keep working.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class RequestSmugglingTest {

    private static final String HIDDEN = "GET /auth/session HTTP/1.1\r\nHost: localhost\r\n\r\n";
    /** A status line, wherever it starts: a body without a trailing newline runs straight into the next answer. */
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    @SmartTestResource.Fake
    FakeSmartServer fake;

    /** A head (request line and headers up to, not including, the blank line) and a body hiding {@link #HIDDEN}. */
    static Stream<Arguments> ambiguous() {
        String chunkedEnd = "0\r\n\r\n";
        List<String[]> heads = List.of(
                new String[] { "CL and TE", "Content-Length: 5\r\nTransfer-Encoding: chunked", chunkedEnd },
                new String[] { "TE and CL", "Transfer-Encoding: chunked\r\nContent-Length: 5", chunkedEnd },
                new String[] { "TE identity", "Transfer-Encoding: identity\r\nContent-Length: 5", chunkedEnd },
                new String[] { "TE identity alone", "Transfer-Encoding: identity", chunkedEnd },
                new String[] { "TE odd case", "Transfer-Encoding: Chunked\r\nContent-Length: 5", chunkedEnd },
                new String[] { "TE upper case alone", "Transfer-Encoding: CHUNKED", chunkedEnd },
                new String[] { "TE after a tab", "Transfer-Encoding:\tchunked\r\nContent-Length: 5", chunkedEnd },
                new String[] { "TE with a tab inside", "Transfer-Encoding: chunked\t, identity", chunkedEnd },
                new String[] { "TE vertical tab", "Transfer-Encoding:\u000bchunked", chunkedEnd },
                new String[] { "TE space before colon", "Transfer-Encoding : chunked\r\nContent-Length: 5", chunkedEnd },
                new String[] { "TE twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", chunkedEnd },
                new String[] { "TE chunked, chunked", "Transfer-Encoding: chunked, chunked", chunkedEnd },
                new String[] { "TE gzip, chunked", "Transfer-Encoding: gzip, chunked", chunkedEnd },
                new String[] { "TE xchunked", "Transfer-Encoding: xchunked\r\nContent-Length: 5", chunkedEnd },
                new String[] { "CL twice, same", "Content-Length: 5\r\nContent-Length: 5", chunkedEnd },
                new String[] { "CL twice, different", "Content-Length: 0\r\nContent-Length: 5", chunkedEnd },
                new String[] { "CL list", "Content-Length: 5, 5", chunkedEnd },
                new String[] { "Host twice", "Host: evil.example\r\nContent-Length: 5", chunkedEnd });
        List<String> paths = List.of("/auth/logout", "/fhir/Observation", "/index.html", "/q/openapi", "/nowhere");
        List<Arguments> cases = new ArrayList<>();
        for (String[] head : heads) {
            for (String path : paths) {
                for (boolean byteByByte : new boolean[] { false, true }) {
                    String request = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + head[1] + "\r\n\r\n" + head[2]
                            + HIDDEN;
                    cases.add(Arguments.of(head[0], path, byteByByte, request));
                }
            }
        }
        cases.add(Arguments.of("HTTP/1.0 with TE", "/auth/session", false,
                "POST /auth/session HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HIDDEN));
        cases.add(Arguments.of("no Host", "/auth/session", false, "GET /auth/session HTTP/1.1\r\n\r\n" + HIDDEN));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} byte by byte: {2}")
    @MethodSource("ambiguous")
    void ambiguous_framing_is_refused_and_the_connection_closed(String what, String path, boolean byteByByte,
            String request) throws IOException {
        List<Integer> statuses = statuses(exchange(request, byteByByte));
        assertEquals(List.of(400), statuses, what + " on " + path + ": exactly one answer, 400");
    }

    @Test
    void keep_alive_requests_are_all_answered() throws IOException {
        String get = "GET /auth/session HTTP/1.1\r\nHost: localhost\r\n\r\n";
        String last = "GET /auth/session HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        assertEquals(List.of(401, 401, 401), statuses(exchange(get + get + last, false)));
        assertEquals(List.of(401, 401), statuses(exchange(get + last, true)));
    }

    @Test
    void a_plain_chunked_request_is_served_and_then_its_connection_closed() throws IOException {
        fake.reset();
        String cookie = BrowserLogin.login("fake-user");
        String body = "{\"resourceType\":\"Binary\"}";
        String chunked = "POST /fhir/Binary?_fake=echo HTTP/1.1\r\nHost: localhost\r\nX-CSRF: 1\r\nCookie: "
                + SessionCookies.SESSION + "=" + cookie + "\r\nContent-Type: application/fhir+json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body
                + "\r\n0\r\n\r\n";
        String answer = exchange(chunked + HIDDEN, true);
        assertEquals(List.of(200), statuses(answer), answer);
        assertTrue(answer.contains("Binary"), answer);
        assertEquals(body.length(), fake.fhirBodyBytesReceived());
    }

    /**
     * Sends the bytes and reads until the server closes the connection (a reset after the answer counts as closed). A
     * server that keeps the connection open fails the test at the read timeout.
     */
    private static String exchange(String request, boolean byteByByte) throws IOException {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
            try {
                if (byteByByte) {
                    for (byte b : bytes) {
                        out.write(b);
                        out.flush();
                    }
                } else {
                    out.write(bytes);
                    out.flush();
                }
            } catch (IOException closedWhileSending) {
                // The server answered and closed before all was sent: what it answered is read below.
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0;) {
                    received.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException stillOpen) {
                throw new AssertionError("the connection was left open; received: "
                        + received.toString(StandardCharsets.ISO_8859_1));
            } catch (IOException reset) {
                // closed with a reset: the answer so far is what counts
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static List<Integer> statuses(String answer) {
        List<Integer> statuses = new ArrayList<>();
        Matcher matcher = STATUS_LINE.matcher(answer);
        while (matcher.find()) {
            statuses.add(Integer.parseInt(matcher.group(1)));
        }
        return statuses;
    }
}
