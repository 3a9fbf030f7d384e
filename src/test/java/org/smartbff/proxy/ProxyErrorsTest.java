package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.smartbff.token.TokenOutcome;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.impl.NoStackTraceTimeoutException;

/** What the SPA sees for each outcome and failure that stops a call before the FHIR server answers it. */
class ProxyErrorsTest {

    @Test
    void an_ended_session_asks_for_a_new_login() {
        ProxyErrors.Answer answer = ProxyErrors.answerTo(new TokenOutcome.SessionEnded("the grant is gone"));
        assertEquals(new ProxyErrors.Answer(401, "login", "session_expired", "The session has ended; log in again."),
                answer);
        assertNull(answer.retryAfter());
    }

    @Test
    void an_unavailable_token_server_keeps_the_session_and_says_when_to_try_again() {
        ProxyErrors.Answer answer = ProxyErrors.answerTo(new TokenOutcome.Unavailable("the server is down"));
        assertEquals(503, answer.status());
        assertEquals("transient", answer.issueType());
        assertEquals("token_refresh_unavailable", answer.code());
        assertEquals("5", answer.retryAfter());
    }

    @Test
    void every_503_says_when_to_try_again_and_no_other_status_does() {
        assertEquals("5", ProxyErrors.STORE_UNAVAILABLE.retryAfter());
        for (ProxyErrors.Answer answer : new ProxyErrors.Answer[] { ProxyErrors.SESSION_ENDED,
                ProxyErrors.BODY_TOO_LARGE, ProxyErrors.UPSTREAM_TIMEOUT, ProxyErrors.UPSTREAM_UNREACHABLE,
                ProxyErrors.INTERNAL }) {
            assertNull(answer.retryAfter(), answer.code());
        }
    }

    /** The timeouts Vert.x and Netty report, at each stage of an exchange. */
    static Throwable[] timeouts() {
        return new Throwable[] {
                // the request's idle timeout, and a wait for a pooled connection
                new NoStackTraceTimeoutException("The timeout period of 30000ms has been exceeded"),
                new TimeoutException(),
                new ConnectTimeoutException("connection timed out: fhir.example/10.0.0.1:443"),
                new SslHandshakeTimeoutException("handshake timed out after 10000ms"),
                new DnsNameResolverTimeoutException(new InetSocketAddress("127.0.0.1", 53),
                        new DefaultDnsQuestion("fhir.example", DnsRecordType.A), "query timed out"),
                ReadTimeoutException.INSTANCE,
                WriteTimeoutException.INSTANCE,
                new SocketTimeoutException("Read timed out") };
    }

    @ParameterizedTest
    @MethodSource("timeouts")
    void a_fhir_server_that_does_not_answer_in_time_is_a_504(Throwable timeout) {
        assertSame(ProxyErrors.UPSTREAM_TIMEOUT, ProxyErrors.answerToUpstream(timeout));
    }

    static Throwable[] unreachable() {
        return new Throwable[] {
                new ConnectException("Connection refused: fhir.example/10.0.0.1:443"),
                new UnknownHostException("fhir.example"),
                new SSLHandshakeException("PKIX path building failed"),
                new HttpClosedException("Connection was closed"),
                new VertxException("Connection reset"),
                new IOException("Broken pipe"),
                // A timeout is told by its type, not its name.
                new TimeoutNamedButNotATimeoutException() };
    }

    @ParameterizedTest
    @MethodSource("unreachable")
    void any_other_failure_to_reach_the_fhir_server_is_a_502(Throwable failure) {
        assertSame(ProxyErrors.UPSTREAM_UNREACHABLE, ProxyErrors.answerToUpstream(failure));
    }

    @Test
    void a_streamed_body_past_the_limit_is_the_browsers_413_not_a_server_failure() {
        assertSame(ProxyErrors.BODY_TOO_LARGE, ProxyErrors.answerToUpstream(new BodyTooLargeException()));
    }

    private static final class TimeoutNamedButNotATimeoutException extends RuntimeException {
    }
}
