package org.smartbff.token;

import org.smartbff.session.SessionRecord;

/**
 * What a call gets when it asks {@link AccessTokens} for a token: the session with one that may be sent now, or the
 * expected reason why there is none. Expected outcomes are values, so the proxy answers each in one place; a failure
 * nobody planned for (Redis away, a bug) is still an exception.
 */
public sealed interface TokenOutcome {

    /** The session, whose access token may be sent now (it may have just been refreshed). */
    record Ready(SessionRecord session) implements TokenOutcome {
    }

    /**
     * No token for this call. {@code reason} says why for the debug log and the tests; it is never shown to the browser
     * and never holds a token.
     */
    sealed interface NoToken extends TokenOutcome {
        String reason();
    }

    /** The grant behind the session is gone (rejected, unrefreshable, or the session was deleted): launch again. */
    record SessionEnded(String reason) implements NoToken {
    }

    /**
     * A refresh could not be made now (the authorization server is unreachable, slow or failing, another replica's
     * refresh did not finish, or the last attempt failed and the next is not due): the session is kept, a retry may
     * work.
     */
    record Unavailable(String reason) implements NoToken {
    }
}
