package org.smartbff.session;

/** A Redis record that cannot be opened: treated as no record at all. */
public class UnreadableRecordException extends RuntimeException {

    public UnreadableRecordException(String message) {
        super(message, null, false, false);
    }
}
