package org.smartbff.smart;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A successful token response (RFC 6749 section 5.1 with the SMART App Launch members). Every member that is not a
 * token or token metadata is kept, as it came, in {@link #context()}: {@code patient}, {@code encounter},
 * {@code fhirContext}, {@code need_patient_banner}, vendor extensions...
 *
 * @param expiresIn seconds, null when the server did not say
 * @param refreshExpiresIn seconds the refresh token lives, a common extension (Keycloak, others), null when not said
 */
public record TokenResponse(String accessToken, String tokenType, Long expiresIn, String refreshToken, String scope,
        String idToken, ObjectNode context, Long refreshExpiresIn) {

    /** Members about the tokens themselves; everything else is launch context. */
    private static final Set<String> TOKEN_MEMBERS = Set.of("access_token", "token_type", "expires_in",
            "refresh_token", "id_token", "scope", "refresh_expires_in");

    /**
     * @throws TokenEndpointException of kind {@code INVALID_RESPONSE} when it is not a usable bearer token response
     */
    public static TokenResponse parse(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw TokenEndpointException.invalidResponse("the token response is not a JSON object");
        }
        String accessToken = text(json, "access_token");
        if (accessToken == null) {
            throw TokenEndpointException.invalidResponse("the token response has no access_token");
        }
        String tokenType = text(json, "token_type");
        if (tokenType == null || !tokenType.equalsIgnoreCase("bearer")) {
            throw TokenEndpointException.invalidResponse("the token response is not of token_type Bearer");
        }
        ObjectNode context = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            if (!TOKEN_MEMBERS.contains(member.getKey())) {
                context.set(member.getKey(), member.getValue());
            }
        }
        return new TokenResponse(accessToken, tokenType, expiresIn(json.get("expires_in")), text(json, "refresh_token"),
                text(json, "scope"), text(json, "id_token"), context, expiresIn(json.get("refresh_expires_in")));
    }

    private static Long expiresIn(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            // Some servers send the number as a string.
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String text(JsonNode json, String name) {
        JsonNode node = json.get(name);
        return node != null && node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }

    @Override
    public String toString() {
        return "TokenResponse[accessToken=present, refreshToken=" + (refreshToken != null ? "present" : "absent")
                + ", idToken=" + (idToken != null ? "present" : "absent") + ", expiresIn=" + expiresIn + ", scope="
                + scope + ", context=" + context.size() + " members]";
    }
}
