package org.smartbff.launch;

import org.smartbff.session.StoreUnavailableException;
import org.smartbff.smart.DiscoveryException;
import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.ServerTimeoutException;
import org.smartbff.smart.TokenEndpointException;

/**
 * A launch or callback that cannot go on for a reason smart-bff expects: the browser's request, the user's choice, a
 * SMART server or Redis. Only what happened, as data; {@link LaunchErrors} says what the browser is told. Anything not
 * listed here is a bug and stays an exception ({@link UnexpectedLaunchFailure}).
 */
public sealed interface LaunchFailure {

    // ------------------------------------------------------------------ the browser's request

    /** {@code /auth/login?server=} names no configured server. */
    record UnknownServer(String name) implements LaunchFailure {
    }

    /** {@code return_to} is not a path on this site. */
    record InvalidReturnTo() implements LaunchFailure {
    }

    /** An EHR launch without {@code iss} or without {@code launch}. */
    record MissingEhrParameters() implements LaunchFailure {
    }

    /** {@code iss} is not the FHIR base of a configured server: nothing was fetched. */
    record UnknownIss() implements LaunchFailure {
    }

    /** {@code launch} is longer than any EHR sends. */
    record LaunchParameterTooLong() implements LaunchFailure {
    }

    /** A callback without {@code state}. */
    record MissingState() implements LaunchFailure {
    }

    /** No pending launch under the callback's {@code state}: completed already, expired, or never made. */
    record UnknownState() implements LaunchFailure {
    }

    /** The binding cookie is missing or is another browser's. */
    record BindingMismatch() implements LaunchFailure {
    }

    /** A callback with neither {@code code} nor {@code error}. */
    record MissingCode() implements LaunchFailure {
    }

    // ------------------------------------------------------------------ the authorization server or the user

    /** The callback carries an OAuth error ({@code access_denied} when the user said no), as the server sent it. */
    record AuthorizationError(String error, String description) implements LaunchFailure {
    }

    /** The server the launch started at was removed from the configuration while the user signed in. */
    record ServerNoLongerConfigured() implements LaunchFailure {
    }

    /** RFC 9207: the callback names another authorization server than the one the browser was sent to. */
    record IssuerMismatch() implements LaunchFailure {
    }

    /** The token endpoint refused the code with an OAuth error. */
    record TokenRejected(String error) implements LaunchFailure {
    }

    /** The token endpoint could not be reached or answered neither tokens nor an OAuth error. */
    record TokenEndpointUnavailable() implements LaunchFailure {
    }

    /** A SMART server did not answer in time; {@code call} is discovery, jwks or token. */
    record ServerTimeout(String call) implements LaunchFailure {
    }

    /** The token response or id token holds a member that breaks its rules; {@code member} names it, never its value. */
    record InvalidServerData(String member) implements LaunchFailure {
    }

    /** The id token cannot be trusted; {@code reason} is safe to show. */
    record InvalidIdToken(String reason) implements LaunchFailure {
    }

    /** The server could not be discovered or is not fit for a launch; {@code reason} is safe to show. */
    record DiscoveryFailed(String reason) implements LaunchFailure {
    }

    // ------------------------------------------------------------------ smart-bff's own store

    /** Redis could not be asked. */
    record StoreUnavailable() implements LaunchFailure {
    }

    /**
     * What a failure of the SMART clients or the stores means for a launch, or null when it is none of the failures
     * they announce (a bug: it stays an exception).
     */
    static LaunchFailure of(Throwable failure) {
        if (failure instanceof TokenEndpointException token) {
            return token.kind() == TokenEndpointException.Kind.REJECTED ? new TokenRejected(token.error())
                    : new TokenEndpointUnavailable();
        }
        if (failure instanceof ServerTimeoutException timeout) {
            return new ServerTimeout(timeout.call());
        }
        if (failure instanceof ServerDataException refused) {
            return new InvalidServerData(refused.member());
        }
        if (failure instanceof IdTokenException idToken) {
            return new InvalidIdToken(idToken.getMessage());
        }
        if (failure instanceof StoreUnavailableException) {
            return new StoreUnavailable();
        }
        if (failure instanceof DiscoveryException discovery) {
            return new DiscoveryFailed(discovery.getMessage());
        }
        return null;
    }
}
