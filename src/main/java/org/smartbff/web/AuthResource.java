package org.smartbff.web;

import java.net.URI;

import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.smartbff.common.Csrf;
import org.smartbff.launch.BrowserLaunches;
import org.smartbff.launch.LaunchCompleted;
import org.smartbff.launch.LaunchService;
import org.smartbff.launch.LaunchService.Callback;
import org.smartbff.launch.LaunchStarted;
import org.smartbff.session.LaunchHandles;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionStore;
import org.smartbff.web.openapi.ErrorDocument;
import org.smartbff.web.openapi.SessionDocument;

import io.smallrye.mutiny.Uni;

/** The browser-facing auth endpoints: login and callback (navigations), session and logout ({@code fetch}). */
@Path("/auth")
@Tag(name = "auth", description = "SMART App Launch on the server side, and the session it leaves")
public class AuthResource {

    private final LaunchService launches;
    private final SessionStore sessions;
    private final BrowserLaunches browserLaunches;

    public AuthResource(LaunchService launches, SessionStore sessions, BrowserLaunches browserLaunches) {
        this.browserLaunches = browserLaunches;
        this.launches = launches;
        this.sessions = sessions;
    }

    /** Standalone launch: {@code GET /auth/login[?server=name][&return_to=/path]}. */
    @GET
    @Path("/login")
    @Operation(summary = "Start a standalone launch", description = "A browser navigation. Redirects to the authorization server "
            + "and sets a short-lived launch binding cookie. Errors are an HTML page, or JSON when only JSON is accepted.")
    @APIResponse(responseCode = "302", description = "To the authorization endpoint")
    @APIResponse(responseCode = "400", description = "Unknown server or a return_to that is not a local path", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    @APIResponse(responseCode = "502", description = "The server could not be discovered", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    public Uni<Response> login(@QueryParam("server") String server, @QueryParam("return_to") String returnTo,
            @Context HttpHeaders headers) {
        return launches.startStandalone(server, returnTo)
                .flatMap(outcome -> LaunchAnswers.answer(outcome, headers, AuthResource::redirectToAuthorize));
    }

    private static Uni<Response> redirectToAuthorize(LaunchStarted started) {
        return Uni.createFrom().item(Response.status(Response.Status.FOUND)
                .location(URI.create(started.authorizeUrl()))
                .header("Set-Cookie", SessionCookies.launchBinding(started.binding(), started.bindingLifetime()))
                .header("Cache-Control", "no-store")
                .build());
    }

    /** EHR launch: the EHR opens {@code GET /auth/launch?iss=...&launch=...} (the launch URL registered there). */
    @GET
    @Path("/launch")
    @Operation(summary = "Start an EHR launch", description = "The launch URL to register in the EHR. iss must be the FHIR base "
            + "of a configured server; nothing is fetched for any other.")
    @APIResponse(responseCode = "302", description = "To the authorization endpoint")
    @APIResponse(responseCode = "400", description = "Missing or unknown iss, or no launch", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    public Uni<Response> launch(@QueryParam("iss") String iss, @QueryParam("launch") String launch,
            @Context HttpHeaders headers) {
        return launches.startEhr(iss, launch)
                .flatMap(outcome -> LaunchAnswers.answer(outcome, headers, AuthResource::redirectToAuthorize));
    }

    /** Where the authorization server sends the browser back: {@code ?code&state} or {@code ?error&state}. */
    @GET
    @Path("/callback")
    @Operation(summary = "Complete a launch", description = "Where the authorization server sends the browser back. Sets the "
            + "session cookie and redirects to the app.")
    @APIResponse(responseCode = "302", description = "To the app, with the session cookie")
    @APIResponse(responseCode = "400", description = "Replayed or unknown state, another browser's launch, an OAuth error", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    @APIResponse(responseCode = "403", description = "The user did not grant access (access_denied)", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    public Uni<Response> callback(@QueryParam("code") String code, @QueryParam("state") String state,
            @QueryParam("error") String error, @QueryParam("error_description") String errorDescription,
            @QueryParam("iss") String issuer, @CookieParam(SessionCookies.LAUNCH_BINDING) String binding,
            @CookieParam(SessionCookies.SESSION) String browserCookie, @Context HttpHeaders headers) {
        return launches.complete(new Callback(code, state, error, errorDescription, issuer), binding)
                .flatMap(outcome -> LaunchAnswers.answer(outcome, headers, completed -> signedIn(completed, browserCookie)));
    }

    /**
     * A new id for every launch (a session id planted before login is worth nothing: no fixation); it joins the browser
     * session the cookie names, so the launches of other tabs stay.
     */
    private Uni<Response> signedIn(LaunchCompleted completed, String browserCookie) {
        return browserLaunches.attach(browserCookie, completed.sessionId(), completed.session())
                .map(attached -> Response.status(Response.Status.FOUND)
                        // Set as it is: a relative Location would be made absolute with the internal host name.
                        .header("Location", BrowserLaunches.location(completed.returnTo(), attached.handle()))
                        .header("Set-Cookie", SessionCookies.session(attached.cookieValue(), attached.cookieMaxAge()))
                        .header("Set-Cookie", SessionCookies.expiredLaunchBinding())
                        .header("Cache-Control", "no-store")
                        // The callback URL carries the code: do not hand it on as a Referer.
                        .header("Referrer-Policy", "no-referrer")
                        .build());
    }

    /** The launch context for the SPA: {@code 200} with {@link SessionView}, or {@code 401} JSON. Never a token. */
    @GET
    @Path("/session")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The launch context", description = "For the SPA's fetch. Never contains a token.")
    @APIResponse(responseCode = "200", description = "The session", content = @Content(mediaType = "application/json", schema = @Schema(implementation = SessionDocument.class)))
    @APIResponse(responseCode = "503", description = "The session store is unavailable", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    @Parameter(name = LaunchHandles.HEADER, in = ParameterIn.HEADER, description = "The tab's launch handle; without it, "
            + "the browser's most recent launch")
    @APIResponse(responseCode = "401", description = "No session (error no_session), or a launch handle this browser "
            + "session does not know (error unknown_launch)", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    public Uni<Response> session(@CookieParam(SessionCookies.SESSION) String cookie,
            @HeaderParam(LaunchHandles.HEADER) String handle) {
        LaunchRequests.Selection selection = LaunchRequests.select(cookie, handle);
        if (selection instanceof LaunchRequests.Refused refused) {
            return Uni.createFrom().item(refused.response());
        }
        return sessions.find(((LaunchRequests.Selected) selection).launch())
                .map(record -> record == null ? noSession()
                        : Response.ok(SessionView.of(record)).header("Cache-Control", "no-store").build());
    }

    /** Ends the session: {@code POST /auth/logout} with {@code X-CSRF: 1}. */
    @POST
    @Path("/logout")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "End the session", description = "Deletes the session, revokes its tokens where the server "
            + "offers revocation, and expires the cookie. Needs X-CSRF: 1.")
    @Parameter(name = "X-CSRF", in = ParameterIn.HEADER, required = true, description = "Must be 1")
    @APIResponse(responseCode = "204", description = "Logged out (also when there was no session)")
    @APIResponse(responseCode = "403", description = "The X-CSRF header is missing (error csrf_header_missing)", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    @Parameter(name = LaunchHandles.HEADER, in = ParameterIn.HEADER, description = "The launch to end; without it, "
            + "the browser's most recent launch")
    @Parameter(name = "scope", in = ParameterIn.QUERY, description = "all: end every launch of this browser session; "
            + "launch (the default): only one")
    @APIResponse(responseCode = "400", description = "scope is neither launch nor all (error invalid_request)", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    @APIResponse(responseCode = "401", description = "A launch handle this browser session does not know (error unknown_launch)", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorDocument.class)))
    public Uni<Response> logout(@HeaderParam(Csrf.HEADER) String csrf, @CookieParam(SessionCookies.SESSION) String cookie,
            @HeaderParam(LaunchHandles.HEADER) String handle, @QueryParam("scope") String scope) {
        if (!Csrf.valid(csrf)) {
            return Uni.createFrom().item(ErrorResponses.json(403, "csrf_header_missing",
                    "Send the header " + Csrf.HEADER + ": 1 with this request."));
        }
        return LaunchRequests.logout(browserLaunches, cookie, handle, scope);
    }

    private static Response noSession() {
        return ErrorResponses.json(401, "no_session", "There is no active session; log in first.");
    }
}
