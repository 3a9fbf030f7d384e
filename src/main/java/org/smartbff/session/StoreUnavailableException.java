package org.smartbff.session;

/**
 * Redis could not be asked. Callers answer 503 and keep nothing half-done; the message never holds a key or value.
 */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("the session store (Redis) is not available: " + cause.getClass().getSimpleName(), null, false, false);
    }

    /** Wraps a Redis failure, leaving our own exceptions as they are. */
    public static Throwable wrap(Throwable failure) {
        return failure instanceof StoreUnavailableException || failure instanceof UnreadableRecordException ? failure
                : new StoreUnavailableException(failure);
    }
}
