package org.smartbff.token;

/**
 * For callers that can only go on with a token ({@link AccessTokens#usable}, {@link AccessTokens#afterRejection}):
 * carries the expected outcome that gave none, so whoever answers the call can still tell the two apart without
 * exception types of their own.
 */
public final class NoTokenException extends RuntimeException {

    private final TokenOutcome.NoToken outcome;

    public NoTokenException(TokenOutcome.NoToken outcome) {
        super(outcome.reason(), null, false, false);
        this.outcome = outcome;
    }

    public TokenOutcome.NoToken outcome() {
        return outcome;
    }
}
