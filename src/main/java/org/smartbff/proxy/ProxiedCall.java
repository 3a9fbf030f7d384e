package org.smartbff.proxy;

import org.jboss.logging.Logger;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.token.AccessTokens;
import org.smartbff.token.TokenOutcome;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;

/**
 * One browser call on its way to the FHIR server: sent with the session's bearer token, sent once more on a new
 * connection when a pooled one closed under it, and replayed once after a refresh when the server answers 401. Runs on
 * the request's event loop throughout; the answer goes back through the {@link ResponseRelay}.
 *
 * <p>
 * The request body is either kept (when small, so the call can be sent again after a refresh if the server answers
 * 401) or streamed with a size limit.
 */
final class ProxiedCall {

    private static final Logger LOG = Logger.getLogger(ProxiedCall.class);

    /** What every call shares: made once by {@link FhirProxy}. */
    record Upstream(UpstreamClients clients, UpstreamOrigins origins, AccessTokens accessTokens, ProxyObserver observer,
            ResponseRelay relay, long idleTimeoutMillis, long maxRequestBody) {
    }

    /**
     * What this call is: the browser's request, its event loop, the launch and server it goes to, the target under the
     * server's FHIR base (empty, or '/' and a path, then maybe '?' and a query), and its kept body (null when there is
     * none or it is streamed).
     */
    record Inputs(RoutingContext context, Context eventLoop, SessionId sessionId, SmartServer server, String target,
            Buffer body, boolean streamsBody) {
        /** Names the server only: the body and the query may carry a patient's data. */
        @Override
        public String toString() {
            String kind = body != null ? "kept" : streamsBody ? "streamed" : "none";
            return "ProxiedCall.Inputs[server=" + server.name() + ", body=" + kind + "]";
        }
    }

    private final Upstream upstream;
    private final Inputs call;
    private final RoutingContext context;
    private boolean retried;
    private boolean resent;
    /** The streamed body passed the limit and the upstream request was reset for it. */
    private boolean bodyTooLarge;

    ProxiedCall(Upstream upstream, Inputs call) {
        this.upstream = upstream;
        this.call = call;
        this.context = call.context();
    }

    void send(SessionRecord session) {
        HttpServerRequest request = context.request();
        RequestOptions options = upstream.origins().of(call.server().fhirBaseUrl()).options(call.target())
                .setMethod(request.method())
                .setFollowRedirects(false)
                .setIdleTimeout(upstream.idleTimeoutMillis());
        (resent ? upstream.clients().fresh() : upstream.clients().pooled()).request(options).onComplete(created -> {
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
            HttpClientRequest outgoing = created.result();
            // Failures arrive through the response future; a reset we caused ourselves (browser gone, body too large)
            // is expected and not an error to log.
            outgoing.exceptionHandler(failure -> {
            });
            ProxyHeaders.copyRequestHeaders(request.headers(), outgoing.headers());
            outgoing.putHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + session.accessToken());
            long sentAt = System.nanoTime();
            Future<HttpClientResponse> sent;
            if (call.body() != null) {
                sent = outgoing.send(call.body());
            } else if (call.streamsBody()) {
                sent = outgoing.send(new LimitedReadStream(request, upstream.maxRequestBody(),
                        () -> {
                            // The browser's mistake, not the server's: the reset call fails below, and the answer is
                            // 413 rather than the 502 of a failed upstream call.
                            bodyTooLarge = true;
                            outgoing.reset(0, new BodyTooLargeException());
                        }));
            } else {
                sent = outgoing.send();
            }
            sent.onSuccess(response -> {
                upstream.observer().upstream(request.method().name(), response.statusCode(), System.nanoTime() - sentAt);
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

    private void received(SessionRecord session, HttpClientResponse answer) {
        if (answer.statusCode() == 401 && !retried && !call.streamsBody()) {
            // The server no longer takes this token (revoked early, or our clocks disagree): refresh once and replay.
            retried = true;
            answer.body();
            upstream.accessTokens().forResend(call.sessionId(), session)
                    .emitOn(task -> call.eventLoop().runOnContext(ignored -> task.run()))
                    .subscribe().with(outcome -> {
                        if (outcome instanceof TokenOutcome.Ready ready) {
                            send(ready.session());
                        } else {
                            ProxyErrors.noToken(context, (TokenOutcome.NoToken) outcome);
                        }
                    }, failure -> ProxyErrors.failed(context, failure));
            return;
        }
        upstream.relay().relay(context, answer, call.server().fhirBaseUrl());
    }

    private boolean safeToResend(HttpServerRequest request) {
        HttpMethod method = request.method();
        return call.body() == null && !call.streamsBody()
                && (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
    }
}
