package org.smartbff.proxy;

import java.util.Optional;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.config.SmartServers;
import org.smartbff.config.SmartServers.SmartServer;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.session.StoreUnavailableException;
import org.smartbff.token.AccessTokens;
import org.smartbff.token.SessionExpiredException;
import org.smartbff.token.TokenServiceUnavailableException;
import org.smartbff.web.Csrf;

import io.smallrye.mutiny.Uni;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /fhir/**}: the SPA's FHIR calls, forwarded to the session's FHIR server with its bearer token. Runs on the
 * event loop from start to end; bodies are streamed in both directions, never buffered whole.
 *
 * <p>
 * Order of checks: CSRF header, path, session, token. Each refusal is a FHIR {@code OperationOutcome} and nothing
 * reaches the FHIR server.
 */
@ApplicationScoped
public class FhirProxy {

    private static final Logger LOG = Logger.getLogger(FhirProxy.class);
    static final String MOUNT = "/fhir";

    private final SessionStore sessions;
    private final AccessTokens accessTokens;
    private final SmartServers servers;
    private final SmartBffConfig.Http config;
    private final HttpClient client;

    public FhirProxy(Vertx vertx, SessionStore sessions, AccessTokens accessTokens, SmartServers servers,
            SmartBffConfig config) {
        this.sessions = sessions;
        this.accessTokens = accessTokens;
        this.servers = servers;
        this.config = config.http();
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) this.config.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setMaxPoolSize(100)
                // HTTPS upstreams behind shared front ends need SNI.
                .setForceSni(true)
                // Compressed bodies pass through as they are; the browser decompresses.
                .setDecompressionSupported(false));
    }

    void register(@Observes Router router) {
        router.route(MOUNT).handler(this::handle);
        router.route(MOUNT + "/*").handler(this::handle);
    }

    void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        // Hold the body until we know where it goes; send(request) below resumes it.
        request.pause();
        if (!Csrf.valid(request.getHeader(Csrf.HEADER))) {
            fail(context, 403, "forbidden", "csrf_header_missing", "Send the header X-CSRF: 1 with every /fhir call.");
            return;
        }
        Optional<String> path = UpstreamPath.relative(request.path().substring(MOUNT.length()));
        if (path.isEmpty()) {
            fail(context, 400, "invalid", "invalid_path", "This path cannot be forwarded to the FHIR server.");
            return;
        }
        Optional<SessionId> id = SessionCookies.read(request.getHeader(HttpHeaderNames.COOKIE), SessionCookies.SESSION)
                .flatMap(SessionId::parse);
        if (id.isEmpty()) {
            fail(context, 401, "login", "no_session", "There is no session; log in first.");
            return;
        }
        sessions.find(id.get())
                .flatMap(record -> record == null
                        ? Uni.createFrom().<SessionRecord> failure(new SessionExpiredException("no session"))
                        : accessTokens.usable(id.get(), record))
                .subscribe().with(record -> forward(context, record, path.get()), failure -> failed(context, failure));
    }

    private void forward(RoutingContext context, SessionRecord session, String path) {
        SmartServer server = servers.byName(session.server()).orElse(null);
        if (server == null) {
            fail(context, 401, "login", "session_expired", "The session's server is no longer configured; log in again.");
            return;
        }
        HttpServerRequest request = context.request();
        String query = request.query();
        String target = server.fhirBaseUrl() + "/" + path + (query == null || query.isEmpty() ? "" : "?" + query);
        RequestOptions options = new RequestOptions()
                .setMethod(request.method())
                .setAbsoluteURI(target)
                .setFollowRedirects(false)
                .setIdleTimeout(config.upstreamTimeout().toMillis());
        client.request(options).onComplete(created -> {
            if (created.failed()) {
                upstreamFailed(context, created.cause());
                return;
            }
            HttpClientRequest upstream = created.result();
            ProxyHeaders.copyRequestHeaders(request.headers(), upstream.headers());
            upstream.putHeader(HttpHeaderNames.AUTHORIZATION, "Bearer " + session.accessToken());
            (hasBody(request) ? upstream.send(request) : upstream.send())
                    .onSuccess(response -> relay(context, response))
                    .onFailure(failure -> upstreamFailed(context, failure));
        });
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        return request.getHeader(HttpHeaderNames.TRANSFER_ENCODING) != null || (length != null && !length.equals("0"));
    }

    private static void relay(RoutingContext context, HttpClientResponse upstream) {
        HttpServerResponse response = context.response();
        response.setStatusCode(upstream.statusCode());
        ProxyHeaders.copyResponseHeaders(upstream.headers(), response.headers());
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            response.setChunked(true);
        }
        upstream.pipeTo(response).onFailure(failure -> {
            // Headers are gone already; all that is left is to cut the connection so the browser sees a failure.
            LOG.debugf("Streaming a FHIR response failed: %s", failure.getMessage());
            response.reset();
        });
    }

    private static void failed(RoutingContext context, Throwable failure) {
        if (failure instanceof SessionExpiredException) {
            fail(context, 401, "login", "session_expired", "The session has ended; log in again.");
        } else if (failure instanceof TokenServiceUnavailableException) {
            fail(context, 503, "transient", "token_refresh_unavailable",
                    "The authorization server is not available to refresh the session; try again shortly.");
        } else if (failure instanceof StoreUnavailableException) {
            LOG.warnf("Cannot serve a FHIR call: %s", failure.getMessage());
            fail(context, 503, "transient", "session_store_unavailable",
                    "The session store is not available; try again shortly.");
        } else {
            LOG.errorf(failure, "Unexpected failure serving a FHIR call");
            fail(context, 500, "exception", "internal_error", "The call could not be served.");
        }
    }

    private static void upstreamFailed(RoutingContext context, Throwable failure) {
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            fail(context, 504, "timeout", "upstream_timeout", "The FHIR server did not answer in time.");
        } else {
            LOG.warnf("FHIR server unreachable: %s", failure.getMessage());
            fail(context, 502, "transient", "upstream_unreachable", "The FHIR server could not be reached.");
        }
    }

    static void fail(RoutingContext context, int status, String issueType, String code, String text) {
        HttpServerResponse response = context.response();
        // Whatever body the browser sent is not going anywhere: let it drain.
        context.request().resume();
        if (response.headWritten()) {
            response.reset();
            return;
        }
        response.setStatusCode(status)
                .putHeader(HttpHeaderNames.CONTENT_TYPE, OperationOutcomes.CONTENT_TYPE)
                .putHeader(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .end(OperationOutcomes.of(issueType, code, text));
    }
}
