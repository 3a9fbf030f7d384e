package org.smartbff.smart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A token request that did not give tokens. The kind decides what happens to a session: a {@link Kind#REJECTED}
 * refresh ends it (the grant is gone), an {@link Kind#UNAVAILABLE} one keeps it (try again later). Messages never
 * carry a token, code or secret: only the OAuth error code and the server's description.
 */
public class TokenEndpointException extends RuntimeException {

    public enum Kind {
        /** The server answered with an OAuth error such as {@code invalid_grant}. */
        REJECTED,
        /** The server could not be reached or answered something that is not an OAuth response. */
        UNAVAILABLE,
        /** The server said yes with a response that cannot be used. */
        INVALID_RESPONSE
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Kind kind;
    private final String error;

    public TokenEndpointException(Kind kind, String error, String description) {
        super(description == null ? error : error + ": " + description);
        this.kind = kind;
        this.error = error;
    }

    public static TokenEndpointException invalidResponse(String description) {
        return new TokenEndpointException(Kind.INVALID_RESPONSE, "invalid_token_response", description);
    }

    /**
     * Classifies what a token endpoint sent back instead of tokens: an RFC 6749 section 5.2 error body is a rejection,
     * anything else means the server is not available to us.
     */
    public static TokenEndpointException fromErrorBody(String body) {
        try {
            JsonNode json = body == null ? null : JSON.readTree(body);
            if (json != null && json.isObject() && json.path("error").isTextual()) {
                JsonNode description = json.get("error_description");
                return new TokenEndpointException(Kind.REJECTED, sanitize(json.get("error").asText()),
                        description != null && description.isTextual() ? sanitize(description.asText()) : null);
            }
        } catch (Exception notJson) {
            // falls through: not an OAuth error response
        }
        return new TokenEndpointException(Kind.UNAVAILABLE, "temporarily_unavailable",
                "the token endpoint did not answer with tokens or an OAuth error");
    }

    /** RFC 6749 limits these to printable ASCII; anything else is dropped so it cannot forge log lines. */
    private static String sanitize(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7E]", "");
        return printable.length() > 200 ? printable.substring(0, 200) : printable;
    }

    public Kind kind() {
        return kind;
    }

    /** The OAuth error code, e.g. {@code invalid_grant}. */
    public String error() {
        return error;
    }

    /** Whether the grant behind a session is gone for good, so the session must end. */
    public boolean endsSession() {
        return kind == Kind.REJECTED
                && ("invalid_grant".equals(error) || "invalid_client".equals(error) || "unauthorized_client".equals(error));
    }
}
