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

    /**
     * Whether the scope string holds {@code wanted} as one of its values; the same answer as
     * {@code parse(scope).contains(wanted)}, without building the set (this is asked on every proxied call).
     */
    public static boolean includes(String scope, String wanted) {
        if (scope == null || wanted.isEmpty()) {
            return false;
        }
        int n = wanted.length();
        int from = 0;
        while ((from = scope.indexOf(wanted, from)) >= 0) {
            int end = from + n;
            if ((from == 0 || isSpace(scope.charAt(from - 1))) && (end == scope.length() || isSpace(scope.charAt(end)))) {
                return true;
            }
            from++;
        }
        return false;
    }

    /** The characters of the regular expression {@code \\s}, which {@link #parse} splits on. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
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
