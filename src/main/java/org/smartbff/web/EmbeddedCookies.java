package org.smartbff.web;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.smartbff.config.SmartBffConfig;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The {@code embedded} cookie mode: smart-bff's cookies become {@code SameSite=None; Secure; Partitioned}, so that
 * they go with the app's requests inside the EHR's iframe (a cross-site frame, where {@code Lax} cookies stay home),
 * in a cookie jar of the EHR's top-level site only (CHIPS). {@link org.smartbff.session.SessionCookies} writes every
 * cookie in the default mode; this applies the deployment's mode where the response leaves, for every endpoint alike.
 */
@ApplicationScoped
public class EmbeddedCookies {

    static final String LAX = "; SameSite=Lax";
    static final String EMBEDDED = "; SameSite=None; Partitioned";

    private final boolean embedded;

    public EmbeddedCookies(SmartBffConfig config) {
        this.embedded = config.session().cookieMode() == SmartBffConfig.CookieMode.embedded;
    }

    void register(@Observes Router router) {
        if (embedded) {
            router.route().order(-99).handler(this::handle);
        }
    }

    private void handle(RoutingContext context) {
        context.addHeadersEndHandler(ignored -> {
            List<String> cookies = context.response().headers().getAll("Set-Cookie");
            if (cookies.isEmpty()) {
                return;
            }
            List<String> rewritten = new ArrayList<>(cookies.size());
            for (String cookie : cookies) {
                rewritten.add(embedded(cookie));
            }
            context.response().headers().set("Set-Cookie", rewritten);
        });
        context.next();
    }

    /** The cookie in embedded mode when it is one of smart-bff's own (all {@code __Host-smart-bff-}), else as it is. */
    static String embedded(String setCookie) {
        return setCookie.startsWith("__Host-smart-bff-") ? setCookie.replace(LAX, EMBEDDED) : setCookie;
    }
}
