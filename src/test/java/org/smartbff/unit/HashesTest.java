package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.smartbff.common.Hashes;

class HashesTest {

    @Test
    void sha256_hex_of_abc_is_the_fips_180_vector() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hashes.sha256Hex("abc"));
    }

    @Test
    void sha256_hex_of_empty_string_is_the_known_digest() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hashes.sha256Hex(""));
    }

    @Test
    void sha256_hex_is_lower_case_64_characters() {
        assertTrue(Hashes.sha256Hex("anything").matches("[0-9a-f]{64}"));
    }

    @Test
    void constant_time_equals_compares_content() {
        assertTrue(Hashes.constantTimeEquals("secret", new String("secret")));
        assertFalse(Hashes.constantTimeEquals("secret", "secreT"));
        assertFalse(Hashes.constantTimeEquals("secret", "secret1"));
    }

    @Test
    void constant_time_equals_is_false_for_null() {
        assertFalse(Hashes.constantTimeEquals(null, "x"));
        assertFalse(Hashes.constantTimeEquals("x", null));
        assertFalse(Hashes.constantTimeEquals(null, null));
    }
}
