package org.smartbff.smart;

/** An id token that cannot be trusted. The message is safe to show; it never contains the token. */
public class IdTokenException extends RuntimeException {

    public IdTokenException(String message) {
        super(message);
    }
}
