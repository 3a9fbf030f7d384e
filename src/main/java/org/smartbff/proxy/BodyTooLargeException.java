package org.smartbff.proxy;

/** The browser sent more than {@code smart-bff.proxy.max-request-body}. */
final class BodyTooLargeException extends RuntimeException {

    BodyTooLargeException() {
        super("request body too large", null, false, false);
    }
}
