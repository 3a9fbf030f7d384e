package org.smartbff.proxy;

import java.util.Optional;

import org.smartbff.session.BrowserSession;
import org.smartbff.session.LaunchHandles;
import org.smartbff.session.SelectionMemo;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.ext.web.RoutingContext;

/** The launch a {@code /fhir} call runs under: the one its {@code X-SMART-Launch} names, else the browser's most recent. */
final class LaunchSelection {

    /** Browsers (and their tabs) whose calls are answered without opening their handle again. */
    private static final int REMEMBERED = 4096;

    private final SelectionMemo memo = new SelectionMemo(REMEMBERED);

    /** The launch, or empty once the call has been answered with a 401 OperationOutcome. */
    Optional<SessionId> of(RoutingContext context) {
        String cookie = SessionCookies.read(context.request().getHeader(HttpHeaderNames.COOKIE), SessionCookies.SESSION)
                .orElse(null);
        Optional<BrowserSession.Selection> selection = memo.select(cookie, context.request().getHeader(LaunchHandles.HEADER));
        if (selection.isEmpty()) {
            ProxyErrors.fail(context, 401, "login", "no_session", "There is no session; log in first.");
            return Optional.empty();
        }
        if (selection.get() instanceof BrowserSession.Selection.Launch launch) {
            return Optional.of(launch.id());
        }
        ProxyErrors.fail(context, 401, "login", "unknown_launch",
                "This launch is not part of this browser's session; launch the app again.");
        return Optional.empty();
    }
}
