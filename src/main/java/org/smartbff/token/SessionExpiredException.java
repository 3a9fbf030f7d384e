package org.smartbff.token;

/** The session's grant is gone (refresh rejected, or expired with no refresh token): the user must launch again. */
public class SessionExpiredException extends RuntimeException {

    public SessionExpiredException(String message) {
        super(message, null, false, false);
    }
}
