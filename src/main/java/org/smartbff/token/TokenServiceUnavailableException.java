package org.smartbff.token;

/** A refresh could not be done now (the authorization server is unreachable or failed); the session is kept. */
public class TokenServiceUnavailableException extends RuntimeException {

    public TokenServiceUnavailableException(String message) {
        super(message, null, false, false);
    }
}
