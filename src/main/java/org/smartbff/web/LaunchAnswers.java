package org.smartbff.web;

import java.util.function.Function;

import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.smartbff.launch.LaunchError;
import org.smartbff.launch.LaunchErrors;
import org.smartbff.launch.LaunchOutcome;
import org.smartbff.launch.UnexpectedLaunchFailure;
import org.smartbff.session.SessionCookies;

import io.smallrye.mutiny.Uni;

/**
 * What the browser gets for a launch or callback that did not go on: a page (or JSON) that says what happened and what
 * to do, for a refusal ({@link #answer}) and for the bug no refusal describes (the mapper), which says no more than
 * {@link LaunchErrors#UNEXPECTED}.
 */
public class LaunchAnswers {

    /** The one place a launch's outcome becomes an answer: a refusal gets its error page, a success goes on. */
    static <T> Uni<Response> answer(LaunchOutcome<T> outcome, HttpHeaders headers, Function<T, Uni<Response>> onDone) {
        if (outcome instanceof LaunchOutcome.Refused<T> refused) {
            return Uni.createFrom().item(refused(headers, refused.error()));
        }
        return onDone.apply(((LaunchOutcome.Done<T>) outcome).value());
    }

    @ServerExceptionMapper
    public Response map(UnexpectedLaunchFailure failure, @Context HttpHeaders headers) {
        return refused(headers, LaunchErrors.UNEXPECTED);
    }

    /** A failed launch leaves nothing behind in the browser: the binding cookie goes too. */
    private static Response refused(HttpHeaders headers, LaunchError error) {
        Response response = ErrorResponses.forCaller(headers, error.status(), error.error(), error.description());
        return Response.fromResponse(response).header("Set-Cookie", SessionCookies.expiredLaunchBinding()).build();
    }
}
