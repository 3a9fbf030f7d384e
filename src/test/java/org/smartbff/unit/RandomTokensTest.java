package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.smartbff.common.RandomTokens;

class RandomTokensTest {

    @Test
    void random256_is_43_base64url_characters() {
        String token = RandomTokens.random256();
        assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
    }

    @Test
    void random256_differs_each_call() {
        assertNotEquals(RandomTokens.random256(), RandomTokens.random256());
    }

    @Test
    void base64url_uses_url_alphabet_without_padding() {
        // 0xfb 0xff encodes to "+/8=" in standard base64.
        assertEquals("-_8", RandomTokens.base64Url(new byte[] { (byte) 0xfb, (byte) 0xff }));
    }
}
