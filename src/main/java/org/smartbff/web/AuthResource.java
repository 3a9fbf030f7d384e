package org.smartbff.web;

import java.net.URI;

import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.smartbff.launch.LaunchService;
import org.smartbff.launch.LaunchService.Callback;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionStore;

import io.smallrye.mutiny.Uni;

/** The browser-facing auth endpoints: login and callback (navigations), session and logout ({@code fetch}). */
@Path("/auth")
public class AuthResource {

    private final LaunchService launches;
    private final SessionStore sessions;

    public AuthResource(LaunchService launches, SessionStore sessions) {
        this.launches = launches;
        this.sessions = sessions;
    }

    /** Standalone launch: {@code GET /auth/login[?server=name][&return_to=/path]}. */
    @GET
    @Path("/login")
    public Uni<Response> login(@QueryParam("server") String server, @QueryParam("return_to") String returnTo) {
        return launches.startStandalone(server, returnTo).map(AuthResource::redirectToAuthorize);
    }

    private static Response redirectToAuthorize(LaunchService.Started started) {
        return Response.status(Response.Status.FOUND)
                .location(URI.create(started.authorizeUrl()))
                .header("Set-Cookie", SessionCookies.launchBinding(started.binding(), started.bindingLifetime()))
                .header("Cache-Control", "no-store")
                .build();
    }

    /** EHR launch: the EHR opens {@code GET /auth/launch?iss=...&launch=...} (the launch URL registered there). */
    @GET
    @Path("/launch")
    public Uni<Response> launch(@QueryParam("iss") String iss, @QueryParam("launch") String launch) {
        return launches.startEhr(iss, launch).map(AuthResource::redirectToAuthorize);
    }

    /** Where the authorization server sends the browser back: {@code ?code&state} or {@code ?error&state}. */
    @GET
    @Path("/callback")
    public Uni<Response> callback(@QueryParam("code") String code, @QueryParam("state") String state,
            @QueryParam("error") String error, @QueryParam("error_description") String errorDescription,
            @QueryParam("iss") String issuer, @CookieParam(SessionCookies.LAUNCH_BINDING) String binding) {
        return launches.complete(new Callback(code, state, error, errorDescription, issuer), binding)
                .map(completed -> Response.status(Response.Status.FOUND)
                        // Set as it is: a relative Location would be made absolute with the internal host name.
                        .header("Location", completed.returnTo())
                        // A new id at every login: a session id planted before login is worth nothing (no fixation).
                        .header("Set-Cookie", SessionCookies.session(completed.sessionId(),
                                completed.session().offline() ? java.time.Duration.ofSeconds(
                                        completed.session().endsAt() - completed.session().createdAt()) : null))
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
    public Uni<Response> session(@CookieParam(SessionCookies.SESSION) String cookie) {
        SessionId id = SessionId.parse(cookie).orElse(null);
        if (id == null) {
            return Uni.createFrom().item(noSession());
        }
        return sessions.find(id).map(record -> record == null ? noSession()
                : Response.ok(SessionView.of(record)).header("Cache-Control", "no-store").build());
    }

    /** Ends the session: {@code POST /auth/logout} with {@code X-CSRF: 1}. */
    @POST
    @Path("/logout")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> logout(@HeaderParam(Csrf.HEADER) String csrf, @CookieParam(SessionCookies.SESSION) String cookie) {
        if (!Csrf.valid(csrf)) {
            return Uni.createFrom().item(ErrorResponses.json(403, "csrf_header_missing",
                    "Send the header " + Csrf.HEADER + ": 1 with this request."));
        }
        Uni<Void> deleted = SessionId.parse(cookie).map(sessions::delete).orElse(Uni.createFrom().voidItem());
        return deleted.map(ignored -> Response.noContent()
                .header("Set-Cookie", SessionCookies.expiredSession())
                .header("Cache-Control", "no-store")
                .build());
    }

    private static Response noSession() {
        return ErrorResponses.json(401, "no_session", "There is no active session; log in first.");
    }
}
