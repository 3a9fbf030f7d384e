package org.smartbff.common;

import java.security.SecureRandom;
import java.util.Base64;

/** Unguessable values: state, nonce, PKCE verifiers, session ids, launch bindings. */
public final class RandomTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private RandomTokens() {
    }

    /** 256 random bits, base64url without padding (43 characters). */
    public static String random256() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return base64Url(bytes);
    }

    public static String base64Url(byte[] bytes) {
        return BASE64URL.encodeToString(bytes);
    }
}
