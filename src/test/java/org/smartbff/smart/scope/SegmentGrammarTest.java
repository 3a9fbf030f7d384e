package org.smartbff.smart.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The classifier's segment checks are loops for speed; they must accept exactly what the FHIR grammar does. */
class SegmentGrammarTest {

    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z]+");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern OPERATION = Pattern.compile("\\$[A-Za-z][A-Za-z0-9_\\-]*");
    /** Every character class boundary the grammars draw, and some they do not. */
    private static final String ALPHABET = "AZaz09Mm5$-._/@[`{:é ";

    @Test
    void the_loops_agree_with_the_grammar_on_random_segments() {
        Random random = new Random(20261204);
        for (int i = 0; i < 200_000; i++) {
            int length = random.nextInt(i % 100 == 0 ? 70 : 8);
            StringBuilder segment = new StringBuilder(length);
            for (int j = 0; j < length; j++) {
                segment.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String s = segment.toString();
            assertEquals(TYPE.matcher(s).matches(), FhirRequestClassifier.isType(s), "type: " + s);
            assertEquals(ID.matcher(s).matches(), FhirRequestClassifier.isId(s), "id: " + s);
            assertEquals(OPERATION.matcher(s).matches(), FhirRequestClassifier.isOperation(s), "operation: " + s);
        }
    }

    @Test
    void boundaries() {
        assertEquals(true, FhirRequestClassifier.isId("a".repeat(64)));
        assertEquals(false, FhirRequestClassifier.isId("a".repeat(65)));
        assertEquals(false, FhirRequestClassifier.isId(""));
        assertEquals(false, FhirRequestClassifier.isType("P"));
        assertEquals(true, FhirRequestClassifier.isType("Patient"));
        assertEquals(false, FhirRequestClassifier.isOperation("$"));
        assertEquals(true, FhirRequestClassifier.isOperation("$everything"));
    }
}
