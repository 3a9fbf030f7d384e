package org.smartbff.smart.scope;

import java.util.Optional;

/**
 * The five permissions a SMART v2 resource scope can grant, in the order the scope language requires them
 * ({@code .cruds}; SMART App Launch 2.2, "Scopes for requesting FHIR Resources"). The declaration order is that order,
 * so {@link #ordinal()} can check that a suffix like {@code rs} is in sequence.
 */
public enum Interaction {
    /** Type-level create. */
    CREATE('c'),
    /** Instance read, vread and instance history. */
    READ('r'),
    /** Instance update (also update-as-create) and patch. */
    UPDATE('u'),
    /** Instance delete. */
    DELETE('d'),
    /** Type and system search, type and system history. */
    SEARCH('s');

    private final char letter;

    Interaction(char letter) {
        this.letter = letter;
    }

    /** The letter used in a v2 scope suffix. */
    public char letter() {
        return letter;
    }

    /** The interaction for a v2 suffix letter; letters are case-sensitive, so {@code 'R'} is none. */
    public static Optional<Interaction> ofLetter(char letter) {
        for (Interaction interaction : values()) {
            if (interaction.letter == letter) {
                return Optional.of(interaction);
            }
        }
        return Optional.empty();
    }
}
