package org.smartbff.proxy;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.smartbff.common.Csrf;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.SmartServers.SmartServer;
import org.smartbff.token.AccessTokens;
import org.smartbff.token.TokenOutcome;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /fhir/**}: the SPA's FHIR calls, forwarded to the session's FHIR server with its bearer token.
 *
 * <p>
 * Order of checks: CSRF header, path, declared body size, session, token. Each refusal is a FHIR
 * {@code OperationOutcome} and nothing reaches the FHIR server. Then {@link ProxiedCall} forwards and relays.
 */
@ApplicationScoped
public class FhirProxy {

    static final String MOUNT = "/fhir";

    private final SessionStore sessions;
    private final AccessTokens accessTokens;
    private final SmartServers servers;
    private final SmartBffConfig config;
    private final ProxyObserver observer;
    private final ProxiedCall.Upstream upstream;
    private final ScopeGuard scopeGuard;
    private final LaunchSelection launches = new LaunchSelection();
    private final HeldBodies heldBodies;

    public FhirProxy(Vertx vertx, SessionStore sessions, AccessTokens accessTokens, SmartServers servers,
            SmartBffConfig config, ProxyObserver observer, ScopeGuard scopeGuard) {
        this.observer = observer;
        this.scopeGuard = scopeGuard;
        this.sessions = sessions;
        this.accessTokens = accessTokens;
        this.servers = servers;
        this.config = config;
        this.heldBodies = new HeldBodies(config.proxy().heldBodies().asLongValue());
        observer.heldBodies(heldBodies::held, config.proxy().heldBodies().asLongValue());
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) config.http().connectTimeout().toMillis())
                .setKeepAlive(true)
                .setMaxPoolSize(100)
                // HTTPS upstreams behind shared front ends need SNI.
                .setForceSni(true)
                // Compressed JSON is inflated so its URLs can be rewritten; compression towards the browser is the
                // HTTP server's job (quarkus.http.enable-compression).
                .setDecompressionSupported(true);
        UpstreamClients clients = new UpstreamClients(vertx, options);
        ResponseRelay relay = new ResponseRelay(config.proxy().rewriteUrls(),
                SmartServers.normalizeBaseUrl(config.publicUrl()) + MOUNT);
        this.upstream = new ProxiedCall.Upstream(clients, new UpstreamOrigins(), accessTokens, observer, relay,
                config.http().upstreamTimeout().toMillis(), config.proxy().maxRequestBody().asLongValue());
    }

    void register(@Observes Router router) {
        router.route(MOUNT).handler(this::handle);
        router.route(MOUNT + "/*").handler(this::handle);
    }

    void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        // Hold the body until we know where it goes.
        request.pause();
        CallRecord call = new CallRecord(request.method().name(), System.nanoTime());
        context.put(CallRecord.KEY, call);
        context.addHeadersEndHandler(ignored -> observer.answered(call, context.response().getStatusCode()));
        if (!Csrf.valid(request.getHeader(Csrf.HEADER))) {
            observer.rejected("csrf");
            ProxyErrors.fail(context, 403, "forbidden", "csrf_header_missing",
                    "Send the header X-CSRF: 1 with every /fhir call.");
            return;
        }
        Optional<String> path = UpstreamPath.relative(request.path().substring(MOUNT.length()));
        if (path.isEmpty()) {
            observer.rejected("path");
            ProxyErrors.fail(context, 400, "invalid", "invalid_path", "This path cannot be forwarded to the FHIR server.");
            return;
        }
        call.path(path.get());
        long declaredLength = declaredLength(request);
        if (declaredLength > config.proxy().maxRequestBody().asLongValue()) {
            observer.rejected("body_too_large");
            ProxyErrors.fail(context, 413, "too-long", "request_too_large",
                    "The request body is larger than this proxy accepts.");
            return;
        }
        Optional<SessionId> id = launches.of(context);
        if (id.isEmpty()) {
            return;
        }
        Context eventLoop = Vertx.currentContext();
        SessionRecord known = sessions.findInMemory(id.get());
        if (known != null && accessTokens.usableAsIs(id.get(), known)) {
            // The steady state: nothing to wait for, so no pipeline and no hop back to the event loop.
            call.session(id.get(), known);
            forward(context, eventLoop, id.get(), known, path.get(), declaredLength);
            return;
        }
        Uni<TokenOutcome> token = known != null ? accessTokens.forCall(id.get(), known)
                : sessions.find(id.get()).flatMap(record -> record == null
                        ? Uni.createFrom().item(new TokenOutcome.SessionEnded("no session"))
                        : accessTokens.forCall(id.get(), record));
        token
                // Refreshes may finish on another thread; the rest of the call belongs to the request's event loop.
                .emitOn(task -> eventLoop.runOnContext(ignored -> task.run()))
                .subscribe().with(outcome -> {
                    if (outcome instanceof TokenOutcome.Ready ready) {
                        call.session(id.get(), ready.session());
                        forward(context, eventLoop, id.get(), ready.session(), path.get(), declaredLength);
                    } else {
                        ProxyErrors.noToken(context, (TokenOutcome.NoToken) outcome);
                    }
                },
                        failure -> ProxyErrors.failed(context, failure));
    }

    private void forward(RoutingContext context, Context eventLoop, SessionId id, SessionRecord session, String path,
            long declaredLength) {
        SmartServer server = servers.byName(session.server()).orElse(null);
        if (server == null) {
            ProxyErrors.fail(context, 401, "login", "session_expired",
                    "The session's server is no longer configured; log in again.");
            return;
        }
        HttpServerRequest request = context.request();
        String query = request.query();
        String target = (path.isEmpty() ? "" : "/" + path) + (query == null || query.isEmpty() ? "" : "?" + query);
        ScopeGuard.Verdict verdict = check(session, request, path, null);
        if (verdict instanceof ScopeGuard.Verdict.Deny deny) {
            refuse(context, deny);
            return;
        }
        boolean needsBody = verdict instanceof ScopeGuard.Verdict.NeedsBody;
        if (needsBody || (declaredLength > 0 && declaredLength <= config.proxy().replayBuffer().asLongValue())) {
            // Kept whole: the scope decision needs it, or it is small enough to replay after a 401. Within the budget
            // of bodies held at once, until the call ends.
            HeldBodies.Share share = heldBodies.share();
            context.addEndHandler(ended -> share.release());
            BodyReader.read(request, config.proxy().maxRequestBody().asLongValue(), declaredLength, share)
                    .onSuccess(body -> {
                        ScopeGuard.Verdict withBody = needsBody ? check(session, request, path, body) : verdict;
                        if (withBody instanceof ScopeGuard.Verdict.Deny deny) {
                            refuse(context, deny);
                            return;
                        }
                        new ProxiedCall(upstream, new ProxiedCall.Inputs(context, eventLoop, id, server, target, body, false))
                                .send(session);
                    }).onFailure(failure -> {
                        if (failure instanceof HeldBodiesFullException) {
                            observer.rejected("held_bodies_full");
                        }
                        ProxyErrors.failed(context, failure);
                    });
            return;
        }
        new ProxiedCall(upstream, new ProxiedCall.Inputs(context, eventLoop, id, server, target, null,
                declaredLength > 0 || undeclaredBody(request))).send(session);
    }

    private ScopeGuard.Verdict check(SessionRecord session, HttpServerRequest request, String path, Buffer body) {
        return scopeGuard.check(session, request.method().name(), path, request.query(),
                request.getHeader(HttpHeaderNames.CONTENT_TYPE), request.getHeader("If-None-Exist"), body);
    }

    private void refuse(RoutingContext context, ScopeGuard.Verdict.Deny deny) {
        observer.rejected(deny.code().equals("patient_compartment") ? "patient_compartment"
                : deny.status() == 403 ? "scope" : "unsupported");
        ProxyErrors.fail(context, deny.status(), deny.issueType(), deny.code(), deny.text());
    }

    /**
     * A body whose length nobody announced: chunked in HTTP/1.1; in HTTP/2 (no Transfer-Encoding, Content-Length
     * optional) any POST, PUT or PATCH whose stream is still open. Only those methods carry FHIR bodies; a GET's
     * stream may look open for a moment after its headers, and reading it would race its end.
     */
    private static boolean undeclaredBody(HttpServerRequest request) {
        if (!carriesBody(request)) {
            return false;
        }
        if (request.version() == HttpVersion.HTTP_2) {
            return !request.isEnded();
        }
        return request.getHeader(HttpHeaderNames.TRANSFER_ENCODING) != null;
    }

    private static boolean carriesBody(HttpServerRequest request) {
        HttpMethod method = request.method();
        return method == HttpMethod.POST || method == HttpMethod.PUT
                || method == HttpMethod.PATCH;
    }

    /** The Content-Length the browser declared; 0 when none (no body, or a chunked one). */
    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null || !carriesBody(request)) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(length.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
