package org.smartbff.web;

import jakarta.ws.rs.core.Response;

import org.smartbff.launch.BrowserLaunches;
import org.smartbff.session.BrowserSession;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;

import io.smallrye.mutiny.Uni;

/** Which launch an {@code /auth} call is for (cookie plus optional {@code X-SMART-Launch}), and logout of one or all. */
final class LaunchRequests {

    private LaunchRequests() {
    }

    sealed interface Selection {
    }

    /** The call is for this launch of this browser session. */
    record Selected(BrowserSession browser, SessionId launch) implements Selection {
    }

    /** The call names no launch this request may use; the response says why. */
    record Refused(Response response) implements Selection {
    }

    static Selection select(String cookie, String handle) {
        BrowserSession browser = BrowserSession.parse(cookie).orElse(null);
        if (browser == null) {
            return new Refused(ErrorResponses.json(401, "no_session", "There is no active session; log in first."));
        }
        return browser.select(handle) instanceof BrowserSession.Selection.Launch launch
                ? new Selected(browser, launch.id())
                : new Refused(unknownLaunch());
    }

    static Response unknownLaunch() {
        return ErrorResponses.json(401, "unknown_launch",
                "This launch is not part of this browser's session; launch the app again.");
    }

    /** {@code POST /auth/logout[?scope=launch|all]}: the cookie goes once the browser has no launch left. */
    static Uni<Response> logout(BrowserLaunches launches, String cookie, String handle, String scope) {
        boolean all = "all".equals(scope);
        if (!all && scope != null && !"launch".equals(scope)) {
            return Uni.createFrom().item(ErrorResponses.json(400, "invalid_request", "scope must be launch or all."));
        }
        BrowserSession browser = BrowserSession.parse(cookie).orElse(null);
        if (browser == null) {
            return Uni.createFrom().item(loggedOut(true));
        }
        if (all) {
            // Logging everything out needs no valid handle: the cookie is the browser session.
            return launches.logoutAll(browser).map(ignored -> loggedOut(true));
        }
        if (browser.select(handle) instanceof BrowserSession.Selection.Launch launch) {
            return launches.logout(browser, launch.id()).map(LaunchRequests::loggedOut);
        }
        return Uni.createFrom().item(unknownLaunch());
    }

    private static Response loggedOut(boolean expireCookie) {
        Response.ResponseBuilder response = Response.noContent().header("Cache-Control", "no-store");
        return (expireCookie ? response.header("Set-Cookie", SessionCookies.expiredSession()) : response).build();
    }
}
