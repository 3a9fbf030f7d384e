package org.smartbff.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.smartbff.common.Csrf;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.proxy.OperationOutcomes;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The second CSRF check, beside the {@link Csrf} header: {@code /fhir} calls and state-changing {@code /auth} calls
 * must come from the app's own origin ({@code public-url}). It matters most in the {@code embedded} cookie mode, where
 * the cookies go with cross-site requests: a browser names the page that made a request in {@code Origin} (every
 * non-GET and every cross-origin fetch) or {@code Sec-Fetch-Site}; either one naming another origin is refused. A
 * request with neither is not from a browser that could carry the cookie to a forger, and still needs the header.
 */
@ApplicationScoped
public class SameOriginGuard {

    private final String appOrigin;

    public SameOriginGuard(SmartBffConfig config) {
        this.appOrigin = Origins.of(config.publicUrl());
    }

    void register(@Observes Router router) {
        router.route().order(-98).handler(this::handle);
    }

    /** Whether a request with these headers may come from the app's own origin. */
    static boolean sameOrigin(String origin, String fetchSite, String appOrigin) {
        if (origin != null) {
            return origin.equalsIgnoreCase(appOrigin);
        }
        return fetchSite == null || fetchSite.equals("same-origin");
    }

    private void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String path = request.path();
        boolean fhir = path.equals("/fhir") || path.startsWith("/fhir/");
        boolean changesAuth = path.startsWith("/auth/") && request.method() != HttpMethod.GET
                && request.method() != HttpMethod.HEAD && request.method() != HttpMethod.OPTIONS;
        if ((!fhir && !changesAuth)
                || sameOrigin(request.getHeader("Origin"), request.getHeader("Sec-Fetch-Site"), appOrigin)) {
            context.next();
            return;
        }
        String text = "This request did not come from the app's own origin.";
        String body = fhir ? OperationOutcomes.of("forbidden", "cross_origin_request", text)
                : new JsonObject().put("error", "cross_origin_request").put("error_description", text).encode();
        context.response().setStatusCode(403)
                .putHeader("Content-Type", fhir ? OperationOutcomes.CONTENT_TYPE : "application/json")
                .putHeader("Cache-Control", "no-store")
                .end(body);
    }
}
