package org.smartbff.proxy;

import java.util.Optional;

import org.smartbff.session.BrowserSession;
import org.smartbff.session.LaunchHandles;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.ext.web.RoutingContext;

/** The launch a {@code /fhir} call runs under: the one its {@code X-SMART-Launch} names, else the browser's most recent. */
final class LaunchSelection {

    private LaunchSelection() {
    }

    /** The launch, or empty once the call has been answered with a 401 OperationOutcome. */
    static Optional<SessionId> of(RoutingContext context) {
        BrowserSession browser = SessionCookies.read(context.request().getHeader(HttpHeaderNames.COOKIE),
                SessionCookies.SESSION).flatMap(BrowserSession::parse).orElse(null);
        if (browser == null) {
            ProxyErrors.fail(context, 401, "login", "no_session", "There is no session; log in first.");
            return Optional.empty();
        }
        if (browser.select(context.request().getHeader(LaunchHandles.HEADER))
                instanceof BrowserSession.Selection.Launch launch) {
            return Optional.of(launch.id());
        }
        ProxyErrors.fail(context, 401, "login", "unknown_launch",
                "This launch is not part of this browser's session; launch the app again.");
        return Optional.empty();
    }
}
