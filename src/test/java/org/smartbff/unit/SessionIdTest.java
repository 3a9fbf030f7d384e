package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.common.Hashes;
import org.smartbff.session.SessionId;

class SessionIdTest {

    private static final String VALID = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    @Test
    void generated_value_is_43_base64url_characters() {
        assertTrue(SessionId.generate().cookieValue().matches("[A-Za-z0-9_-]{43}"));
    }

    @Test
    void generated_values_differ() {
        assertNotEquals(SessionId.generate(), SessionId.generate());
    }

    @Test
    void hash_is_sha256_hex_of_the_value() {
        SessionId id = SessionId.generate();
        assertEquals(Hashes.sha256Hex(id.cookieValue()), id.hash());
    }

    @Test
    void parse_accepts_a_value_of_the_generated_form() {
        Optional<SessionId> id = SessionId.parse(VALID);
        assertTrue(id.isPresent());
        assertEquals(VALID, id.get().cookieValue());
        assertEquals(Hashes.sha256Hex(VALID), id.get().hash());
    }

    @Test
    void parse_of_a_generated_value_round_trips() {
        SessionId id = SessionId.generate();
        assertEquals(Optional.of(id), SessionId.parse(id.cookieValue()));
    }

    @Test
    void parse_rejects_null() {
        assertTrue(SessionId.parse(null).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkk", "short" })
    void parse_rejects_wrong_length(String value) {
        assertTrue(SessionId.parse(value).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = { "dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEj=k",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEj k", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEj\nk",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEj;k", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXé" })
    void parse_rejects_characters_outside_base64url(String value) {
        assertEquals(43, value.length());
        assertTrue(SessionId.parse(value).isEmpty());
    }

    @Test
    void to_string_does_not_contain_the_raw_value() {
        SessionId id = SessionId.parse(VALID).orElseThrow();
        assertFalse(id.toString().contains(VALID));
        assertTrue(id.toString().contains(id.logId()));
    }

    @Test
    void log_id_is_a_12_character_prefix_of_the_hash_not_of_the_value() {
        SessionId id = SessionId.parse(VALID).orElseThrow();
        assertEquals(12, id.logId().length());
        assertTrue(id.hash().startsWith(id.logId()));
        assertFalse(VALID.contains(id.logId()));
    }

    @Test
    void equal_ids_share_value() {
        assertEquals(SessionId.parse(VALID), SessionId.parse(VALID));
        assertEquals(SessionId.parse(VALID).orElseThrow().hashCode(), SessionId.parse(VALID).orElseThrow().hashCode());
    }
}
