package org.smartbff.web.browser;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.smartbff.web.FrameAncestors;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Puts {@link BrowserHeaders} on every answer of the application port, whoever writes it (static files, the
 * {@code /auth} endpoints, the proxy, error pages), and makes the static files revalidate: {@code no-cache} with an
 * ETag ({@link StaticAssets}), answering 304 when the browser already holds the current file.
 *
 * <p>
 * Who may frame a page comes from {@link FrameAncestors}: every configured EHR origin, and for {@code /auth/launch} the
 * origins of the server its {@code iss} names; nobody when none is configured.
 */
@ApplicationScoped
public class BrowserProtections {

    private final FrameAncestors ancestors;
    /** The headers for each set of framing origins there is (the configured servers' few), built once each. */
    private final Map<List<String>, BrowserHeaders> byAncestors = new ConcurrentHashMap<>();
    private final StaticAssets assets = new StaticAssets(BrowserProtections.class.getClassLoader());

    public BrowserProtections(FrameAncestors ancestors) {
        this.ancestors = ancestors;
    }

    private BrowserHeaders headersFor(RoutingContext context, String path) {
        List<String> origins = "/auth/launch".equals(path)
                ? ancestors.originsOf(context.request().getParam("iss")).orElse(ancestors.origins())
                : ancestors.origins();
        return byAncestors.computeIfAbsent(origins,
                allowed -> new BrowserHeaders(allowed.isEmpty() ? BrowserHeaders.NO_FRAMING : allowed));
    }

    void register(@Observes Router router) {
        // Right after the framing guard, before every route that answers.
        router.route().order(Integer.MIN_VALUE + 1).handler(this::handle);
    }

    void handle(RoutingContext context) {
        String path = context.normalizedPath();
        BrowserHeaders.Kind kind = BrowserHeaders.kindOf(path);
        Map<String, String> protections = headersFor(context, path).forKind(kind);
        HttpServerResponse response = context.response();
        context.addHeadersEndHandler(ignored -> protections.forEach(response::putHeader));
        HttpMethod method = context.request().method();
        if (kind != BrowserHeaders.Kind.APP || (method != HttpMethod.GET && method != HttpMethod.HEAD)) {
            context.next();
            return;
        }
        context.request().pause();
        assets.etagOf(context.vertx(), path).onComplete(found -> {
            context.request().resume();
            Optional<String> etag = found.succeeded() ? found.result() : Optional.empty();
            if (etag.isEmpty()) {
                context.next();
                return;
            }
            context.addHeadersEndHandler(ignored -> {
                if (response.getStatusCode() == 200 || response.getStatusCode() == 304) {
                    response.putHeader(HttpHeaderNames.CACHE_CONTROL, "no-cache");
                    response.putHeader(HttpHeaderNames.ETAG, etag.get());
                }
            });
            if (StaticAssets.matches(context.request().getHeader(HttpHeaderNames.IF_NONE_MATCH), etag.get())) {
                response.setStatusCode(304).end();
                return;
            }
            context.next();
        });
    }
}
