package org.smartbff.smart.scope;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a search returns beyond the searched type: the types named by {@code _type} on a search across all types, and
 * the resources pulled in by {@code _include} and {@code _revinclude}. Some servers apply scopes to the matches but not
 * to included resources, so the included types are required here too.
 */
final class SearchReach {

    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z]+");
    private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_\\-.]*");

    private SearchReach() {
    }

    /**
     * The types a search across all types ({@code *}) is narrowed to by {@code _type=A,B} (repeated: all of them), or
     * {@code *} when there is no {@code _type}. Empty when a {@code _type} value is not a list of type names.
     */
    static Optional<List<String>> searchedTypes(Map<String, List<String>> query) {
        List<String> values = query.getOrDefault("_type", List.of());
        if (values.isEmpty()) {
            return Optional.of(List.of(SmartScope.ANY_TYPE));
        }
        List<String> types = new ArrayList<>();
        for (String value : values) {
            for (String type : value.split(",", -1)) {
                if (!TYPE.matcher(type).matches()) {
                    return Optional.empty();
                }
                types.add(type);
            }
        }
        return Optional.of(types);
    }

    /**
     * READ permissions for what {@code _include} / {@code _revinclude} (with any modifier, e.g. {@code :iterate}) add:
     * <ul>
     * <li>{@code _include=Source:param:Target} needs READ on Target;</li>
     * <li>{@code _include=Source:param} names no target, and which types the parameter can point to is only in the
     * server's SearchParameter definitions: nothing is required here and the server filters;</li>
     * <li>{@code _revinclude=Source:param[:Target]} needs READ on Source (the resources that point back);</li>
     * <li>{@code *} as the whole value needs READ on {@code *}.</li>
     * </ul>
     * Comma-separated values are read as several. Empty when a value is malformed.
     */
    static Optional<List<RequiredPermission>> includes(Map<String, List<String>> query) {
        List<RequiredPermission> required = new ArrayList<>();
        for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
            boolean include = isParameter(parameter.getKey(), "_include");
            boolean revinclude = isParameter(parameter.getKey(), "_revinclude");
            if (!include && !revinclude) {
                continue;
            }
            for (String value : parameter.getValue()) {
                for (String item : value.split(",", -1)) {
                    if (!wellFormed(item)) {
                        return Optional.empty();
                    }
                    includedType(item, revinclude)
                            .ifPresent(type -> required.add(new RequiredPermission(type, Interaction.READ)));
                }
            }
        }
        return Optional.of(required);
    }

    private static boolean isParameter(String name, String base) {
        return name.equals(base) || name.startsWith(base + ":");
    }

    /** {@code *}, or {@code Source:param} or {@code Source:param:Target} with type names and a parameter name or {@code *}. */
    private static boolean wellFormed(String item) {
        if (item.equals(SmartScope.ANY_TYPE)) {
            return true;
        }
        String[] parts = item.split(":", -1);
        return parts.length >= 2 && parts.length <= 3 && TYPE.matcher(parts[0]).matches()
                && (PARAMETER.matcher(parts[1]).matches() || parts[1].equals(SmartScope.ANY_TYPE))
                && (parts.length == 2 || TYPE.matcher(parts[2]).matches());
    }

    /** The type a well-formed include value brings in; empty when the value does not say. */
    private static Optional<String> includedType(String item, boolean revinclude) {
        if (item.equals(SmartScope.ANY_TYPE)) {
            return Optional.of(SmartScope.ANY_TYPE);
        }
        String[] parts = item.split(":", -1);
        if (revinclude) {
            return Optional.of(parts[0]);
        }
        return parts.length == 3 ? Optional.of(parts[2]) : Optional.empty();
    }
}
