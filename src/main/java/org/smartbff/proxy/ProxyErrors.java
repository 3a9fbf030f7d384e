package org.smartbff.proxy;

import java.net.SocketTimeoutException;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;
import org.smartbff.session.StoreUnavailableException;
import org.smartbff.token.NoTokenException;
import org.smartbff.token.TokenOutcome;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Every error answer of {@code /fhir}, in one place: an OperationOutcome with a stable code, never a stack trace. */
final class ProxyErrors {

    private static final Logger LOG = Logger.getLogger(ProxyErrors.class);
    /** When a transient failure (Redis, or a refresh the authorization server did not answer) is worth trying again. */
    private static final String RETRY_AFTER_SECONDS = "5";

    /** An answer the proxy gives itself, instead of the FHIR server's: the status and the OperationOutcome's issue. */
    record Answer(int status, String issueType, String code, String text) {

        /**
         * Seconds for a {@code Retry-After} header, or null. A 503 means Redis or the authorization server is away for
         * a moment: clients are told when a retry makes sense, as the auth endpoints do (StoreUnavailableMapper).
         */
        String retryAfter() {
            return status == 503 ? RETRY_AFTER_SECONDS : null;
        }
    }

    static final Answer SESSION_ENDED = new Answer(401, "login", "session_expired",
            "The session has ended; log in again.");
    /** The session is kept: the SPA may simply try again. */
    static final Answer TOKEN_UNAVAILABLE = new Answer(503, "transient", "token_refresh_unavailable",
            "The authorization server is not available to refresh the session; try again shortly.");
    static final Answer STORE_UNAVAILABLE = new Answer(503, "transient", "session_store_unavailable",
            "The session store is not available; try again shortly.");
    static final Answer BODY_TOO_LARGE = new Answer(413, "too-long", "request_too_large",
            "The request body is larger than this proxy accepts.");
    static final Answer HELD_BODIES_FULL = new Answer(503, "throttled", "request_bodies_busy",
            "Too many large request bodies are being handled at once; try again shortly.");
    static final Answer UPSTREAM_TIMEOUT = new Answer(504, "timeout", "upstream_timeout",
            "The FHIR server did not answer in time.");
    static final Answer UPSTREAM_UNREACHABLE = new Answer(502, "transient", "upstream_unreachable",
            "The FHIR server could not be reached.");
    static final Answer INTERNAL = new Answer(500, "exception", "internal_error", "The call could not be served.");

    private ProxyErrors() {
    }

    /**
     * The one place an expected token outcome becomes an answer. (Java 17 has no switch over types: each kind of
     * {@link TokenOutcome.NoToken} is one branch here, and only here.)
     */
    static Answer answerTo(TokenOutcome.NoToken outcome) {
        if (outcome instanceof TokenOutcome.SessionEnded) {
            return SESSION_ENDED;
        }
        if (outcome instanceof TokenOutcome.Unavailable) {
            return TOKEN_UNAVAILABLE;
        }
        throw new IllegalArgumentException("no answer for " + outcome.getClass().getName());
    }

    /**
     * What a failed exchange with the FHIR server was, told by the failure's type: a timeout of any stage (connect,
     * TLS handshake, name lookup, a silent connection, a wait for a pooled one) is 504, anything else 502.
     */
    static Answer answerToUpstream(Throwable failure) {
        if (failure instanceof BodyTooLargeException) {
            return BODY_TOO_LARGE;
        }
        return isTimeout(failure) ? UPSTREAM_TIMEOUT : UPSTREAM_UNREACHABLE;
    }

    private static boolean isTimeout(Throwable failure) {
        // Vert.x's idle and pool-wait timeouts are TimeoutExceptions (NoStackTraceTimeoutException); Netty's connect,
        // TLS and DNS timeouts and its read/write timeout handlers have their own types, as has a blocking socket's.
        return failure instanceof TimeoutException
                || failure instanceof ConnectTimeoutException
                || failure instanceof SslHandshakeTimeoutException
                || failure instanceof DnsNameResolverTimeoutException
                || failure instanceof io.netty.handler.timeout.TimeoutException
                || failure instanceof SocketTimeoutException;
    }

    /** The call gets no token: answers as the outcome says. */
    static void noToken(RoutingContext context, TokenOutcome.NoToken outcome) {
        fail(context, answerTo(outcome));
    }

    /** Maps what went wrong before or while forwarding to the status the SPA can act on. */
    static void failed(RoutingContext context, Throwable failure) {
        if (failure instanceof NoTokenException noToken) {
            // From a caller that could only go on with a token (the resend after a 401): its outcome decides.
            noToken(context, noToken.outcome());
        } else if (failure instanceof StoreUnavailableException) {
            LOG.warnf("Cannot serve a FHIR call: %s", failure.getMessage());
            fail(context, STORE_UNAVAILABLE);
        } else if (failure instanceof BodyTooLargeException) {
            fail(context, BODY_TOO_LARGE);
        } else if (failure instanceof HeldBodiesFullException) {
            // Counted (smart_bff_proxy_rejections_total, reason held_bodies_full), not logged: a flood of large
            // bodies must not become a flood of log lines.
            fail(context, HELD_BODIES_FULL);
        } else {
            LOG.errorf(failure, "Unexpected failure serving a FHIR call");
            fail(context, INTERNAL);
        }
    }

    static void upstreamFailed(RoutingContext context, Throwable failure) {
        Answer answer = answerToUpstream(failure);
        if (answer == UPSTREAM_UNREACHABLE) {
            LOG.warnf("FHIR server unreachable: %s (%s)", failure.getMessage(), failure.getClass().getSimpleName());
        }
        fail(context, answer);
    }

    static void fail(RoutingContext context, int status, String issueType, String code, String text) {
        fail(context, new Answer(status, issueType, code, text));
    }

    private static void fail(RoutingContext context, Answer answer) {
        HttpServerResponse response = context.response();
        // Whatever body the browser sent is not going anywhere: let it drain (an ended request has nothing left).
        if (!context.request().isEnded()) {
            try {
                context.request().resume();
            } catch (IllegalStateException alreadyRead) {
                // ended between the check and the call
            }
        }
        if (response.headWritten()) {
            // Too late for a status: cut the connection so the browser sees a failure, not a truncated success.
            response.reset();
            return;
        }
        // Headers copied from an upstream answer that is being replaced do not belong to this one.
        response.headers().clear();
        if (answer.retryAfter() != null) {
            response.putHeader(HttpHeaderNames.RETRY_AFTER, answer.retryAfter());
        }
        response.setStatusCode(answer.status())
                .putHeader(HttpHeaderNames.CONTENT_TYPE, OperationOutcomes.CONTENT_TYPE)
                .putHeader(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.end(OperationOutcomes.of(answer.issueType(), answer.code(), answer.text()));
    }
}
