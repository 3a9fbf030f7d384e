package org.smartbff.smart.scope;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a search query stays inside the constraints of one granular scope, using FHIR search semantics:
 * repeated parameters are AND, comma-separated values in one parameter are OR ({@code \,} is a literal comma).
 *
 * <p>
 * The query is inside the scope when, for every constraint {@code name=v} of the scope, the query has at least one
 * {@code name} parameter whose OR-list contains only values from {@code v}'s OR-list. Then every result the server can
 * return matches that constraint. Names are compared exactly, modifiers included ({@code category:not} is not
 * {@code category}); values are compared exactly, case included. Query parameters the scope does not mention only
 * narrow the result and are ignored.
 */
final class GranularConstraints {

    private GranularConstraints() {
    }

    static boolean satisfiedBy(Map<String, List<String>> constraints, Map<String, List<String>> query) {
        for (Map.Entry<String, List<String>> constraint : constraints.entrySet()) {
            List<String> queryValues = query.getOrDefault(constraint.getKey(), List.of());
            for (String allowed : constraint.getValue()) {
                if (!someValueWithin(queryValues, orList(allowed))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean someValueWithin(List<String> queryValues, Set<String> allowed) {
        for (String value : queryValues) {
            List<String> alternatives = new ArrayList<>(orList(value));
            if (!alternatives.isEmpty() && allowed.containsAll(alternatives)) {
                return true;
            }
        }
        return false;
    }

    /** The comma-separated alternatives of one parameter value, escapes kept as written. */
    static Set<String> orList(String value) {
        Set<String> parts = new HashSet<>();
        StringBuilder current = new StringBuilder();
        boolean escaped = false;
        for (char c : value.toCharArray()) {
            if (escaped) {
                current.append(c);
                escaped = false;
            } else if (c == '\\') {
                current.append(c);
                escaped = true;
            } else if (c == ',') {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        parts.remove("");
        return parts;
    }
}
