package org.smartbff.smart;

/**
 * Something a SMART server sent that smart-bff does not let into a session: a launch context member, a claim of the
 * id token or a token that breaks its grammar or its size bound. {@link #member()} names what (a fixed word such as
 * {@code patient}, {@code fhirUser}, {@code access_token}); the message says why and never quotes the value, which may
 * be a token, hostile markup or megabytes.
 */
public class ServerDataException extends RuntimeException {

    private final String member;

    public ServerDataException(String member, String reason) {
        super(member + " " + reason, null, false, false);
        this.member = member;
    }

    /** The member or claim that was refused, for metrics and audit (a word from a small fixed set). */
    public String member() {
        return member;
    }
}
