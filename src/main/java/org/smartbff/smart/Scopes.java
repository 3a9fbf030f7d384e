package org.smartbff.smart;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** A space-separated OAuth scope string as an ordered set (RFC 6749 section 3.3). */
public final class Scopes {

    private final Set<String> values;

    private Scopes(Set<String> values) {
        this.values = Collections.unmodifiableSet(values);
    }

    public static Scopes parse(String scope) {
        Set<String> values = new LinkedHashSet<>();
        if (scope != null) {
            for (String value : scope.trim().split("\\s+")) {
                if (!value.isEmpty()) {
                    values.add(value);
                }
            }
        }
        return new Scopes(values);
    }

    public boolean contains(String scope) {
        return values.contains(scope);
    }

    public Set<String> values() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    @Override
    public String toString() {
        return String.join(" ", values);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Scopes scopes && scopes.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
