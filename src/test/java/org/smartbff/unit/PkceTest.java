package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.smartbff.smart.Pkce;

class PkceTest {

    private static final String RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private static final String RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    @Test
    void challenge_of_rfc7636_appendix_b_verifier_matches_the_rfc() {
        assertEquals(RFC_CHALLENGE, Pkce.challengeOf(RFC_VERIFIER));
    }

    @Test
    void method_is_s256() {
        assertEquals("S256", Pkce.METHOD);
    }

    @Test
    void verifier_is_43_base64url_characters() {
        String verifier = Pkce.generate().verifier();
        assertEquals(43, verifier.length());
        assertTrue(verifier.matches("[A-Za-z0-9_-]{43}"), verifier);
    }

    @Test
    void generated_challenge_is_the_s256_of_the_generated_verifier() {
        Pkce pkce = Pkce.generate();
        assertEquals(Pkce.challengeOf(pkce.verifier()), pkce.challenge());
    }

    @Test
    void challenge_is_43_base64url_characters_without_padding() {
        String challenge = Pkce.generate().challenge();
        assertTrue(challenge.matches("[A-Za-z0-9_-]{43}"), challenge);
    }

    @Test
    void every_generated_verifier_is_different() {
        Set<String> verifiers = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            verifiers.add(Pkce.generate().verifier());
        }
        assertEquals(100, verifiers.size());
    }

    @Test
    void two_generated_pairs_differ() {
        assertNotEquals(Pkce.generate(), Pkce.generate());
    }

    @Test
    void to_string_does_not_contain_the_verifier() {
        Pkce pkce = new Pkce(RFC_VERIFIER, RFC_CHALLENGE);
        assertFalse(pkce.toString().contains(RFC_VERIFIER), pkce.toString());
        assertTrue(pkce.toString().contains(RFC_CHALLENGE));
    }
}
