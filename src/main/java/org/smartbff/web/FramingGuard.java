package org.smartbff.web;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;
import org.smartbff.proxy.OperationOutcomes;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessageDecoderResult;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Applies {@link RequestFraming} to every HTTP/1.x request on the application port before any route sees it:
 * {@code /auth}, {@code /fhir}, static files, {@code /q} and unknown paths alike. (HTTP/2 frames bodies itself and
 * refuses {@code Transfer-Encoding}.) A refused request gets 400 and its connection is closed once the answer is
 * written; a chunked one is served and its connection closed the same way.
 */
@ApplicationScoped
public class FramingGuard {

    private static final Logger LOG = Logger.getLogger(FramingGuard.class);

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
        // Vert.x Web fails an HTTP/1.1 request without Host before any handler runs: it arrives here instead, and
        // gets the same answer as every other refusal rather than the generic error page.
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handleFailure);
    }

    void handle(RoutingContext context) {
        RequestFraming.Verdict verdict = check(context.request());
        if (verdict instanceof RequestFraming.Verdict.Refused refused) {
            refuse(context, refused.reason());
            return;
        }
        if (((RequestFraming.Verdict.Sound) verdict).closeAfter()) {
            closeAfterAnswer(context);
        }
        context.next();
    }

    void handleFailure(RoutingContext context) {
        if (!context.response().headWritten() && check(context.request()) instanceof RequestFraming.Verdict.Refused refused) {
            refuse(context, refused.reason());
            return;
        }
        context.next();
    }

    private static RequestFraming.Verdict check(HttpServerRequest request) {
        if (request.version() != HttpVersion.HTTP_1_0 && request.version() != HttpVersion.HTTP_1_1) {
            return new RequestFraming.Verdict.Sound(false);
        }
        List<Map.Entry<String, String>> headers = request.headers().entries();
        int rawHeaderBytes = request.decoderResult() instanceof HttpMessageDecoderResult decoded ? decoded.headerSize()
                : -1;
        return RequestFraming.check(request.version() == HttpVersion.HTTP_1_0, headers, rawHeaderBytes);
    }

    private static void refuse(RoutingContext context, String reason) {
        LOG.debugf("Refused a request with ambiguous framing: %s", reason);
        HttpServerResponse response = context.response();
        response.setStatusCode(400).putHeader(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .putHeader(HttpHeaderNames.CONNECTION, "close");
        if (context.request().path().equals("/fhir") || context.request().path().startsWith("/fhir/")) {
            response.putHeader(HttpHeaderNames.CONTENT_TYPE, OperationOutcomes.CONTENT_TYPE)
                    .end(OperationOutcomes.of("invalid", "ambiguous_framing", reason));
        } else {
            response.putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .end(new JsonObject().put("error", "invalid_request").put("error_description", reason).encode());
        }
        // Closed now, not once Vert.x is done with the connection: it would first answer whatever it decodes next from
        // the same bytes, which is exactly the smuggled request. The answer is flushed first, so it still goes out.
        Channel channel = channelOf(context);
        if (channel != null) {
            channel.flush();
            channel.close();
        }
    }

    /**
     * Says {@code Connection: close} and closes once everything written has been flushed. For requests whose framing
     * is sound, so anything that follows them on the connection is a real request; closing still gives a body whose
     * Content-Length was hidden from us nothing to be misread by.
     */
    private static void closeAfterAnswer(RoutingContext context) {
        HttpServerResponse response = context.response();
        context.addHeadersEndHandler(ignored -> response.putHeader(HttpHeaderNames.CONNECTION, "close"));
        context.addEndHandler(ignored -> {
            Channel channel = channelOf(context);
            if (channel != null) {
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    /**
     * The connection's Netty channel. Vert.x's public API closes an HTTP/1.1 connection gracefully, after the requests
     * it has queued on it, which for a refused request are the ones it must never answer.
     */
    private static Channel channelOf(RoutingContext context) {
        return context.request().connection() instanceof ConnectionBase connection ? connection.channel() : null;
    }
}
