package org.smartbff.smart.scope;

import java.util.Optional;

/**
 * Whose data a resource scope is about: the patient in context ({@code patient/}), whatever the signed-in user may see
 * ({@code user/}), or what a backend client is configured for ({@code system/}).
 */
public enum ScopeContext {
    PATIENT("patient"),
    USER("user"),
    SYSTEM("system");

    private final String prefix;

    ScopeContext(String prefix) {
        this.prefix = prefix;
    }

    /** The lower-case word before the {@code /} in a scope. */
    public String prefix() {
        return prefix;
    }

    /** The context for an exact, case-sensitive prefix ({@code "Patient"} is none). */
    public static Optional<ScopeContext> ofPrefix(String prefix) {
        for (ScopeContext context : values()) {
            if (context.prefix.equals(prefix)) {
                return Optional.of(context);
            }
        }
        return Optional.empty();
    }
}
