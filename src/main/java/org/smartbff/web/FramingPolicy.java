package org.smartbff.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may show smart-bff's pages in a frame: {@code Content-Security-Policy: frame-ancestors} with the configured EHR
 * origins ({@link FrameAncestors}), {@code 'none'} when there are none; for {@code /auth/launch}, the origins of the
 * server its {@code iss} names. No {@code X-Frame-Options}: its {@code DENY} would forbid the EHRs too, and browsers
 * that know {@code frame-ancestors} ignore it anyway.
 */
@ApplicationScoped
public class FramingPolicy {

    static final String HEADER = "Content-Security-Policy";

    private final FrameAncestors ancestors;

    public FramingPolicy(FrameAncestors ancestors) {
        this.ancestors = ancestors;
    }

    void register(@Observes Router router) {
        router.route().order(-100).handler(this::handle);
    }

    private void handle(RoutingContext context) {
        context.addHeadersEndHandler(ignored -> {
            var headers = context.response().headers();
            headers.remove("X-Frame-Options");
            headers.set(HEADER, withFrameAncestors(headers.get(HEADER), FrameAncestors.directive(allowed(context))));
        });
        context.next();
    }

    /**
     * The policy a response already carries (an error page's own, say) with its {@code frame-ancestors} replaced by
     * the configured one: who may frame the app is this class's decision, whatever else a response restricts.
     */
    static String withFrameAncestors(String policy, String frameAncestors) {
        if (policy == null || policy.isBlank()) {
            return frameAncestors;
        }
        StringBuilder merged = new StringBuilder();
        for (String directive : policy.split(";")) {
            String trimmed = directive.trim();
            if (!trimmed.isEmpty() && !trimmed.toLowerCase(java.util.Locale.ROOT).startsWith("frame-ancestors")) {
                merged.append(trimmed).append("; ");
            }
        }
        return merged.append(frameAncestors).toString();
    }

    private java.util.List<String> allowed(RoutingContext context) {
        if ("/auth/launch".equals(context.request().path())) {
            return ancestors.originsOf(context.request().getParam("iss")).orElse(ancestors.origins());
        }
        return ancestors.origins();
    }
}
