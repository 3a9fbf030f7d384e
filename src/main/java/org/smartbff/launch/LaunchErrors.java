package org.smartbff.launch;

import org.smartbff.launch.LaunchFailure.AuthorizationError;
import org.smartbff.launch.LaunchFailure.BindingMismatch;
import org.smartbff.launch.LaunchFailure.DiscoveryFailed;
import org.smartbff.launch.LaunchFailure.InvalidIdToken;
import org.smartbff.launch.LaunchFailure.InvalidReturnTo;
import org.smartbff.launch.LaunchFailure.InvalidServerData;
import org.smartbff.launch.LaunchFailure.IssuerMismatch;
import org.smartbff.launch.LaunchFailure.LaunchParameterTooLong;
import org.smartbff.launch.LaunchFailure.MissingCode;
import org.smartbff.launch.LaunchFailure.MissingEhrParameters;
import org.smartbff.launch.LaunchFailure.MissingState;
import org.smartbff.launch.LaunchFailure.ServerNoLongerConfigured;
import org.smartbff.launch.LaunchFailure.ServerTimeout;
import org.smartbff.launch.LaunchFailure.StoreUnavailable;
import org.smartbff.launch.LaunchFailure.TokenEndpointUnavailable;
import org.smartbff.launch.LaunchFailure.TokenRejected;
import org.smartbff.launch.LaunchFailure.UnknownIss;
import org.smartbff.launch.LaunchFailure.UnknownServer;
import org.smartbff.launch.LaunchFailure.UnknownState;

/**
 * Every text a failed launch shows, and its status and error code, in one place: a wording or a status changes here
 * and nowhere else. The browser's and the server's mistakes are 4xx, a server that fails us 502/504, our own store 503,
 * only a bug 500. Values that come from a request or a server are cut to printable ASCII before they are shown.
 */
public final class LaunchErrors {

    /** A failure that is none of the {@link LaunchFailure}s: a bug, told without its details. */
    public static final LaunchError UNEXPECTED = new LaunchError(500, "server_error", "The sign-in could not be completed.");

    private LaunchErrors() {
    }

    public static LaunchError of(LaunchFailure failure) {
        // One case per record of the sealed LaunchFailure (LaunchErrorsTest checks that none is missing).
        if (failure instanceof UnknownServer unknown) {
            return new LaunchError(400, "unknown_server",
                    "There is no SMART server named '" + printable(unknown.name()) + "' configured here.");
        }
        if (failure instanceof InvalidReturnTo) {
            return new LaunchError(400, "invalid_return_to", "return_to must be a path on this site.");
        }
        if (failure instanceof MissingEhrParameters) {
            return new LaunchError(400, "invalid_request", "An EHR launch needs both iss and launch.");
        }
        if (failure instanceof UnknownIss) {
            return new LaunchError(400, "unknown_iss",
                    "This application is not set up for the FHIR server that launched it.");
        }
        if (failure instanceof LaunchParameterTooLong) {
            return new LaunchError(400, "invalid_request", "The launch parameter is too long.");
        }
        if (failure instanceof MissingState) {
            return new LaunchError(400, "invalid_request", "The sign-in response carries no state. Please start again.");
        }
        if (failure instanceof UnknownState) {
            return new LaunchError(400, "invalid_state",
                    "This sign-in has already been completed or has expired. Please start again.");
        }
        if (failure instanceof BindingMismatch) {
            return new LaunchError(400, "launch_binding_mismatch",
                    "This sign-in was started in another browser or its cookie is missing. Please start again here.");
        }
        if (failure instanceof MissingCode) {
            return new LaunchError(400, "invalid_request", "The sign-in response carries no authorization code.");
        }
        if (failure instanceof AuthorizationError authorization) {
            return authorizationError(authorization);
        }
        if (failure instanceof ServerNoLongerConfigured) {
            return new LaunchError(400, "unknown_server", "The server this sign-in started at is no longer configured.");
        }
        if (failure instanceof IssuerMismatch) {
            return new LaunchError(400, "issuer_mismatch",
                    "The sign-in response came from an unexpected authorization server.");
        }
        if (failure instanceof TokenRejected rejected) {
            return new LaunchError(400, rejected.error(),
                    "The authorization server refused the sign-in (" + rejected.error() + "). Please start again.");
        }
        if (failure instanceof TokenEndpointUnavailable) {
            return new LaunchError(502, "token_endpoint_unavailable",
                    "The authorization server did not complete the sign-in. Please try again.");
        }
        if (failure instanceof ServerTimeout timeout) {
            return new LaunchError(504, "server_timeout",
                    "The SMART server did not answer in time (" + timeout.call() + "). Please try again in a moment.");
        }
        if (failure instanceof InvalidServerData refused) {
            return new LaunchError(502, "invalid_server_response", "The SMART server sent a " + refused.member()
                    + " that this application does not accept, so no session was made. Please tell the administrator"
                    + " of the SMART server.");
        }
        if (failure instanceof InvalidIdToken idToken) {
            return new LaunchError(400, "invalid_id_token", capitalize(idToken.reason()) + ".");
        }
        if (failure instanceof StoreUnavailable) {
            return new LaunchError(503, "temporarily_unavailable",
                    "Sign-in is unavailable for a moment. Please try again shortly.");
        }
        if (failure instanceof DiscoveryFailed discovery) {
            return new LaunchError(502, "discovery_failed", capitalize(discovery.reason()) + ".");
        }
        throw new IllegalArgumentException("no error text for " + failure.getClass().getSimpleName());
    }

    /** The server's own error code is kept (a script may act on it); {@code access_denied}, the user's no, is 403. */
    private static LaunchError authorizationError(AuthorizationError authorization) {
        String error = printable(authorization.error());
        String description = authorization.description() != null ? printable(authorization.description()) : null;
        String text = switch (error) {
            case "access_denied" -> "Access was not granted. You can start again whenever you are ready.";
            case "invalid_scope" ->
                "The server refused the requested scopes. Ask the administrator to check the scope configuration.";
            default -> "The authorization server could not complete the sign-in (" + error + ").";
        };
        return new LaunchError(error.equals("access_denied") ? 403 : 400, error,
                description != null ? text + " It said: " + description : text);
    }

    /** Text from a request, cut to printable ASCII and a sane length before it goes in a page or a log. */
    static String printable(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7E]", "");
        return printable.length() > 200 ? printable.substring(0, 200) : printable;
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
