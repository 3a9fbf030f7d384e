package org.smartbff.smart.scope;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One thing a granted scope must allow for a request to go ahead: an interaction on a resource type, or on {@code *}
 * when the request reaches across all types (which only a wildcard scope covers).
 *
 * @param resourceType a FHIR type name or {@code *}
 * @param interaction the SMART permission needed
 */
public record RequiredPermission(String resourceType, Interaction interaction) {

    private static final Pattern TYPE = Pattern.compile("\\*|[A-Z][A-Za-z]+");

    public RequiredPermission {
        Objects.requireNonNull(interaction, "interaction");
        if (resourceType == null || !TYPE.matcher(resourceType).matches()) {
            throw new IllegalArgumentException("not a resource type: " + resourceType);
        }
    }

    @Override
    public String toString() {
        return resourceType + "." + interaction.letter();
    }
}
