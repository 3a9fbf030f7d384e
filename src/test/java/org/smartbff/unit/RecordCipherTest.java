package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.session.RecordCipher;
import org.smartbff.session.UnreadableRecordException;

class RecordCipherTest {

    private static final String AD = "smart-bff:session:abc";

    private static byte[] key(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return key;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private final RecordCipher cipher = new RecordCipher(key(1), List.of());

    @Test
    void sealed_record_opens_to_the_same_bytes() {
        byte[] plaintext = utf8("{\"accessToken\":\"AT-123\"}");
        assertArrayEquals(plaintext, cipher.open(cipher.seal(plaintext, AD), AD));
    }

    @Test
    void empty_plaintext_round_trips() {
        assertArrayEquals(new byte[0], cipher.open(cipher.seal(new byte[0], AD), AD));
    }

    @Test
    void sealed_form_is_v1_key_id_and_base64url() {
        String sealed = cipher.seal(utf8("x"), AD);
        assertTrue(sealed.matches("v1\\.[0-9a-f]{8}\\.[A-Za-z0-9_-]+"), sealed);
        assertTrue(sealed.startsWith("v1." + cipher.currentKeyId() + "."));
    }

    @Test
    void tampering_with_any_character_fails_to_open() {
        // 12 (iv) + 2 + 16 (tag) = 30 bytes: 40 base64 characters with no unused bits, so every change alters a byte.
        String sealed = cipher.seal(utf8("ok"), AD);
        for (int i = 0; i < sealed.length(); i++) {
            char original = sealed.charAt(i);
            char replacement = original == 'A' ? 'B' : 'A';
            String tampered = sealed.substring(0, i) + replacement + sealed.substring(i + 1);
            int position = i;
            assertThrows(UnreadableRecordException.class, () -> cipher.open(tampered, AD),
                    () -> "tampered at " + position + ": " + tampered);
        }
    }

    @Test
    void truncated_record_fails_to_open() {
        String sealed = cipher.seal(utf8("some session data"), AD);
        assertThrows(UnreadableRecordException.class, () -> cipher.open(sealed.substring(0, sealed.length() - 4), AD));
    }

    @Test
    void different_associated_data_fails_to_open() {
        String sealed = cipher.seal(utf8("data"), AD);
        assertThrows(UnreadableRecordException.class, () -> cipher.open(sealed, "smart-bff:session:other"));
    }

    @Test
    void record_sealed_with_previous_key_opens_after_rotation() {
        RecordCipher before = new RecordCipher(key(1), List.of());
        String sealed = before.seal(utf8("old session"), AD);
        RecordCipher after = new RecordCipher(key(2), List.of(key(1)));
        assertArrayEquals(utf8("old session"), after.open(sealed, AD));
    }

    @Test
    void after_rotation_new_records_are_sealed_with_the_new_key() {
        RecordCipher after = new RecordCipher(key(2), List.of(key(1)));
        RecordCipher newOnly = new RecordCipher(key(2), List.of());
        String sealed = after.seal(utf8("new"), AD);
        assertNotEquals(new RecordCipher(key(1), List.of()).currentKeyId(), after.currentKeyId());
        assertArrayEquals(utf8("new"), newOnly.open(sealed, AD));
    }

    @Test
    void record_sealed_with_an_unknown_key_fails_to_open() {
        String sealed = new RecordCipher(key(9), List.of()).seal(utf8("x"), AD);
        assertThrows(UnreadableRecordException.class, () -> cipher.open(sealed, AD));
    }

    @Test
    void record_under_a_forged_key_id_fails_to_open() {
        RecordCipher other = new RecordCipher(key(9), List.of());
        String sealed = other.seal(utf8("x"), AD);
        String relabelled = sealed.replace(other.currentKeyId(), cipher.currentKeyId());
        assertThrows(UnreadableRecordException.class, () -> cipher.open(relabelled, AD));
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 16, 31, 33, 64 })
    void key_that_is_not_32_bytes_is_refused(int length) {
        assertThrows(IllegalArgumentException.class, () -> new RecordCipher(new byte[length], List.of()));
    }

    @Test
    void previous_key_that_is_not_32_bytes_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new RecordCipher(key(1), List.of(new byte[31])));
    }

    @Test
    void two_seals_of_the_same_plaintext_differ() {
        byte[] plaintext = utf8("same");
        assertNotEquals(cipher.seal(plaintext, AD), cipher.seal(plaintext, AD));
    }

    @Test
    void sealed_text_does_not_contain_the_plaintext() {
        String secret = "AT-very-distinctive-access-token";
        String sealed = cipher.seal(utf8(secret), AD);
        assertFalse(sealed.contains(secret));
        assertFalse(sealed.contains("very-distinctive"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "garbage", "v2.00000000.AAAA", "v1.", "v1.nodot", "v1.00000000.AAAA" })
    void malformed_records_fail_to_open(String sealed) {
        assertThrows(UnreadableRecordException.class, () -> cipher.open(sealed, AD));
    }

    @Test
    void malformed_base64_with_the_right_key_id_fails_to_open() {
        assertThrows(UnreadableRecordException.class,
                () -> cipher.open("v1." + cipher.currentKeyId() + ".!!!not-base64!!!", AD));
    }

    @Test
    void too_short_body_with_the_right_key_id_fails_to_open() {
        assertThrows(UnreadableRecordException.class, () -> cipher.open("v1." + cipher.currentKeyId() + ".AAAA", AD));
    }

    @Test
    void null_record_fails_to_open() {
        assertThrows(UnreadableRecordException.class, () -> cipher.open(null, AD));
    }

    @Test
    void key_id_is_derived_from_the_key() {
        assertEquals(new RecordCipher(key(1), List.of()).currentKeyId(), cipher.currentKeyId());
        assertEquals(8, cipher.currentKeyId().length());
    }

    @Test
    void to_string_shows_no_key_material() {
        String text = cipher.toString();
        assertTrue(text.contains(cipher.currentKeyId()));
        assertFalse(text.contains("0101010101"));
    }
}
