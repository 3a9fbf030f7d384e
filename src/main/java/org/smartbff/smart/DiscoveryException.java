package org.smartbff.smart;

/** A SMART server could not be discovered or is not fit for a launch. The message is safe to show to a person. */
public class DiscoveryException extends RuntimeException {

    public DiscoveryException(String message) {
        super(message);
    }

    public DiscoveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
