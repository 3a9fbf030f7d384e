package org.smartbff.proxy;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.proxy.rewrite.StreamingUrlRewriter;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.token.AccessTokens;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;

/**
 * One browser call on its way to the FHIR server and back. Runs on the request's event loop throughout.
 *
 * <p>
 * The request body is either kept (when small, so the call can be sent again after a refresh if the server answers
 * 401) or streamed with a size limit. The response body is streamed back; JSON bodies pass through a
 * {@link StreamingUrlRewriter} so the server's absolute URLs point at the BFF.
 */
final class ProxiedCall {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ProxiedCall.class);

    private final RoutingContext context;
    private final Context eventLoop;
    private final UpstreamClients clients;
    private final AccessTokens accessTokens;
    private final SmartBffConfig config;
    private final ProxyObserver observer;
    private final SessionId sessionId;
    private final SmartServer server;
    private final String target;
    private final String publicFhirBase;
    /** The kept request body, or null when there is none or it is streamed. */
    private final Buffer body;
    private final boolean streamsBody;
    private boolean retried;
    private boolean resent;
    /** The streamed body passed the limit and the upstream request was reset for it. */
    private boolean bodyTooLarge;
    /** Rewritable bodies up to this announced length are rewritten whole rather than streamed. */
    private static final long WHOLE_REWRITE_LIMIT = 64 * 1024;

    ProxiedCall(RoutingContext context, Context eventLoop, UpstreamClients clients, AccessTokens accessTokens,
            SmartBffConfig config, ProxyObserver observer, SessionId sessionId, SmartServer server, String target,
            String publicFhirBase, Buffer body, boolean streamsBody) {
        this.observer = observer;
        this.context = context;
        this.eventLoop = eventLoop;
        this.clients = clients;
        this.accessTokens = accessTokens;
        this.config = config;
        this.sessionId = sessionId;
        this.server = server;
        this.target = target;
        this.publicFhirBase = publicFhirBase;
        this.body = body;
        this.streamsBody = streamsBody;
    }

    void send(SessionRecord session) {
        HttpServerRequest request = context.request();
        RequestOptions options = new RequestOptions()
                .setMethod(request.method())
                .setAbsoluteURI(target)
                .setFollowRedirects(false)
                .setIdleTimeout(config.http().upstreamTimeout().toMillis());
        (resent ? clients.fresh() : clients.pooled()).request(options).onComplete(created -> {
            if (created.failed()) {
                if (created.cause() instanceof HttpClosedException && !resent) {
                    // The pooled connection closed while it was being handed to us: nothing was sent, whatever the
                    // method, so the call goes once more on a new connection.
                    resent = true;
                    LOG.debugf("A pooled connection to the FHIR server closed before a %s was sent; using a new one",
                            request.method());
                    send(session);
                    return;
                }
                ProxyErrors.upstreamFailed(context, created.cause());
                return;
            }
            HttpClientRequest upstream = created.result();
            // Failures arrive through the response future; a reset we caused ourselves (browser gone, body too large)
            // is expected and not an error to log.
            upstream.exceptionHandler(failure -> {
            });
            ProxyHeaders.copyRequestHeaders(request.headers(), upstream.headers());
            upstream.putHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + session.accessToken());
            long sentAt = System.nanoTime();
            Future<HttpClientResponse> sent;
            if (body != null) {
                sent = upstream.send(body);
            } else if (streamsBody) {
                sent = upstream.send(new LimitedReadStream(request, config.proxy().maxRequestBody().asLongValue(),
                        () -> {
                            // The browser's mistake, not the server's: the reset call fails below, and the answer is
                            // 413 rather than the 502 of a failed upstream call.
                            bodyTooLarge = true;
                            upstream.reset(0, new BodyTooLargeException());
                        }));
            } else {
                sent = upstream.send();
            }
            sent.onSuccess(response -> {
                observer.upstream(request.method().name(), response.statusCode(), System.nanoTime() - sentAt);
                received(session, response);
            })
                    .onFailure(failure -> {
                        if (bodyTooLarge) {
                            ProxyErrors.failed(context, new BodyTooLargeException());
                            return;
                        }
                        if (failure instanceof HttpClosedException && !resent && safeToResend(request)) {
                            // A pooled keep-alive connection the server had just closed (its idle timeout raced our
                            // reuse). Nothing was answered; a safe request without a body goes again, once, on a new
                            // connection, as a browser would.
                            resent = true;
                            LOG.debugf("The FHIR server closed the connection under a %s; sending it again on a new one",
                                    request.method());
                            send(session);
                            return;
                        }
                        ProxyErrors.upstreamFailed(context, failure);
                    });
        });
    }

    private void received(SessionRecord session, HttpClientResponse upstream) {
        if (upstream.statusCode() == 401 && !retried && !streamsBody) {
            // The server no longer takes this token (revoked early, or our clocks disagree): refresh once and replay.
            retried = true;
            upstream.body();
            accessTokens.afterRejection(sessionId, session)
                    .emitOn(task -> eventLoop.runOnContext(ignored -> task.run()))
                    .subscribe().with(this::send, failure -> ProxyErrors.failed(context, failure));
            return;
        }
        relay(upstream);
    }

    private void relay(HttpClientResponse upstream) {
        HttpServerResponse response = context.response();
        int status = upstream.statusCode();
        String upstreamBase = server.fhirBaseUrl();
        MultiMap headers = response.headers();
        ProxyHeaders.copyResponseHeaders(upstream.headers(), headers);
        for (String name : new String[] { "location", "content-location" }) {
            String url = headers.get(name);
            if (url != null) {
                String rewritten = StreamingUrlRewriter.rewriteUrl(url, upstreamBase, publicFhirBase);
                if (status >= 300 && status < 400 && name.equals("location") && rewritten.equals(url) && isAbsolute(url)) {
                    // A redirect out of the FHIR base is never followed with the token, nor handed to the browser.
                    upstream.request().reset();
                    ProxyErrors.fail(context, 502, "transient", "upstream_redirect_refused",
                            "The FHIR server redirected outside its base URL; the redirect was not followed.");
                    return;
                }
                headers.set(name, rewritten);
            }
        }
        response.setStatusCode(status);
        boolean rewrite = config.proxy().rewriteUrls()
                && StreamingUrlRewriter.isRewritable(upstream.getHeader(HttpHeaderNames.CONTENT_TYPE))
                && upstream.getHeader(HttpHeaderNames.CONTENT_ENCODING) == null;
        if (rewrite) {
            // The length changes with the URLs.
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            RewritingBuffers rewriter = new RewritingBuffers(new StreamingUrlRewriter(upstreamBase, publicFhirBase));
            // (Not for HEAD: its Content-Length is that of a body it does not carry.)
            if (announcedLength(upstream) <= WHOLE_REWRITE_LIMIT && context.request().method() != HttpMethod.HEAD) {
                rewriteWhole(upstream, response, rewriter);
            } else {
                response.setChunked(true);
                streamRewritten(upstream, response, rewriter);
            }
            return;
        }
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            response.setChunked(true);
        }
        upstream.pipeTo(response).onFailure(failure -> response.reset());
    }

    /**
     * A small body announced with its length (most reads: a resource, a page of a search) is taken whole, rewritten and
     * sent with a Content-Length in one write: no chunk framing, and one socket write instead of two or more.
     */
    private static void rewriteWhole(HttpClientResponse upstream, HttpServerResponse response,
            RewritingBuffers rewriter) {
        upstream.body().onSuccess(body -> {
            Buffer out = rewriter.feed(body);
            Buffer rest = rewriter.finish();
            if (rest.length() > 0) {
                out = Buffer.buffer(out.length() + rest.length()).appendBuffer(out).appendBuffer(rest);
            }
            if (!response.closed()) {
                response.putHeader(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(out.length()));
                response.end(out);
            }
        }).onFailure(failure -> response.reset());
        response.closeHandler(ignored -> upstream.request().reset());
    }

    /** The Content-Length the FHIR server announced, or {@link Long#MAX_VALUE} when it did not (or not readably). */
    private static long announcedLength(HttpClientResponse upstream) {
        String length = upstream.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null) {
            return Long.MAX_VALUE;
        }
        try {
            long parsed = Long.parseLong(length);
            return parsed >= 0 ? parsed : Long.MAX_VALUE;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void streamRewritten(HttpClientResponse upstream, HttpServerResponse response,
            RewritingBuffers rewriter) {
        upstream.handler(chunk -> {
            Buffer out = rewriter.feed(chunk);
            if (out.length() > 0) {
                response.write(out);
            }
            if (response.writeQueueFull()) {
                // The browser reads slower than the server sends: stop reading upstream until it catches up.
                upstream.pause();
                response.drainHandler(ignored -> upstream.resume());
            }
        });
        upstream.exceptionHandler(failure -> response.reset());
        upstream.endHandler(ignored -> response.end(rewriter.finish()));
        response.closeHandler(ignored -> upstream.request().reset());
    }

    private boolean safeToResend(HttpServerRequest request) {
        HttpMethod method = request.method();
        return body == null && !streamsBody
                && (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
    }

    private static boolean isAbsolute(String url) {
        return url.regionMatches(true, 0, "http:", 0, 5) || url.regionMatches(true, 0, "https:", 0, 6)
                || url.startsWith("//");
    }
}
