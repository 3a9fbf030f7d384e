package org.smartbff.web;

import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.smartbff.launch.LaunchException;
import org.smartbff.session.SessionCookies;

/** Turns a failed launch or callback into a page (or JSON) that says what happened and what to do. */
public class LaunchExceptionMapper {

    @ServerExceptionMapper
    public Response map(LaunchException failure, @Context HttpHeaders headers) {
        Response response = ErrorResponses.forCaller(headers, failure.status(), failure.error(), failure.description());
        // A failed launch leaves nothing behind in the browser: the binding cookie goes too.
        return Response.fromResponse(response).header("Set-Cookie", SessionCookies.expiredLaunchBinding()).build();
    }
}
