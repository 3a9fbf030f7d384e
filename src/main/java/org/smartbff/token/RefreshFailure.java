package org.smartbff.token;

import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.TokenEndpointException;

/**
 * What a refresh that failed at the authorization server means for the session, told from the failure alone (pure,
 * so each answer's consequence is testable without a server). As oauth2-proxy does: a grant the server says is gone,
 * or an answer that breaks the rules a login's must pass, ends the session; anything that may pass (network, 5xx, a
 * timeout, an answer that is not OAuth) keeps it for another try.
 */
sealed interface RefreshFailure {

    /** The server ended the grant ({@code invalid_grant}, {@code invalid_client}, {@code unauthorized_client}). */
    record GrantEnded(String error) implements RefreshFailure {
    }

    /** The refreshed id token does not verify: whoever answered is not the server that logged the user in. */
    record IdentityRefused(String detail) implements RefreshFailure {
    }

    /**
     * The refreshed tokens or identity break the rules a login's must pass. Nothing of them is stored; the session ends
     * rather than going on with a grant whose server just sent what it should not (and whose old refresh token it may
     * already have rotated away).
     */
    record DataRefused(String member, String detail) implements RefreshFailure {
    }

    /** May pass: the session is kept and the next attempt pauses. */
    record Transient(String detail) implements RefreshFailure {
    }

    static RefreshFailure of(Throwable failure) {
        if (failure instanceof TokenEndpointException token && token.endsSession()) {
            return new GrantEnded(token.error());
        }
        if (failure instanceof IdTokenException idToken) {
            return new IdentityRefused(idToken.getMessage());
        }
        if (failure instanceof ServerDataException refused) {
            return new DataRefused(refused.member(), refused.getMessage());
        }
        return new Transient(failure.getMessage());
    }
}
