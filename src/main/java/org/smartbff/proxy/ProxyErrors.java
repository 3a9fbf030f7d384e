package org.smartbff.proxy;

import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;
import org.smartbff.session.StoreUnavailableException;
import org.smartbff.token.SessionExpiredException;
import org.smartbff.token.TokenServiceUnavailableException;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Every error answer of {@code /fhir}, in one place: an OperationOutcome with a stable code, never a stack trace. */
final class ProxyErrors {

    private static final Logger LOG = Logger.getLogger(ProxyErrors.class);
    /** When a transient failure (a refresh the authorization server did not answer) is worth trying again. */
    private static final String RETRY_AFTER_SECONDS = "5";

    private ProxyErrors() {
    }

    /** Maps what went wrong before or while forwarding to the status the SPA can act on. */
    static void failed(RoutingContext context, Throwable failure) {
        if (failure instanceof SessionExpiredException) {
            fail(context, 401, "login", "session_expired", "The session has ended; log in again.");
        } else if (failure instanceof TokenServiceUnavailableException) {
            // The session is kept: the SPA may simply try again.
            fail(context, 503, "transient", "token_refresh_unavailable",
                    "The authorization server is not available to refresh the session; try again shortly.",
                    RETRY_AFTER_SECONDS);
        } else if (failure instanceof StoreUnavailableException) {
            LOG.warnf("Cannot serve a FHIR call: %s", failure.getMessage());
            fail(context, 503, "transient", "session_store_unavailable",
                    "The session store is not available; try again shortly.");
        } else if (failure instanceof BodyTooLargeException) {
            fail(context, 413, "too-long", "request_too_large", "The request body is larger than this proxy accepts.");
        } else {
            LOG.errorf(failure, "Unexpected failure serving a FHIR call");
            fail(context, 500, "exception", "internal_error", "The call could not be served.");
        }
    }

    static void upstreamFailed(RoutingContext context, Throwable failure) {
        if (failure instanceof BodyTooLargeException) {
            failed(context, failure);
        } else if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            fail(context, 504, "timeout", "upstream_timeout", "The FHIR server did not answer in time.");
        } else {
            LOG.warnf("FHIR server unreachable: %s (%s)", failure.getMessage(), failure.getClass().getSimpleName());
            fail(context, 502, "transient", "upstream_unreachable", "The FHIR server could not be reached.");
        }
    }

    static void fail(RoutingContext context, int status, String issueType, String code, String text) {
        fail(context, status, issueType, code, text, null);
    }

    /** @param retryAfter seconds for a {@code Retry-After} header, or null */
    private static void fail(RoutingContext context, int status, String issueType, String code, String text,
            String retryAfter) {
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
        if (retryAfter != null) {
            response.putHeader(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        response.setStatusCode(status)
                .putHeader(HttpHeaderNames.CONTENT_TYPE, OperationOutcomes.CONTENT_TYPE)
                .putHeader(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (status == 503) {
            // Redis or the authorization server is away for a moment: tell clients when a retry makes sense, as the
            // auth endpoints do (StoreUnavailableMapper).
            response.putHeader(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        response.end(OperationOutcomes.of(issueType, code, text));
    }
}
