package org.smartbff.observe;

import com.fasterxml.jackson.databind.JsonNode;

/** A text member of a JSON object, or null: launch context members are read this way for audit events. */
public record JsonNodeText(String value) {

    public static JsonNodeText of(JsonNode object, String member) {
        JsonNode node = object != null ? object.get(member) : null;
        return new JsonNodeText(node != null && node.isTextual() ? node.asText() : null);
    }
}
