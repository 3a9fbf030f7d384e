package org.smartbff.common;

import java.util.Base64;

/**
 * The session encryption keys as configured. Here rather than beside the cipher, so that the start-up checks of the
 * configuration and the cipher read a key the same way without the configuration depending on the session store.
 */
public final class EncryptionKeys {

    private EncryptionKeys() {
    }

    /** A key as configured: standard or URL-safe base64. */
    public static byte[] decode(String encoded) {
        String trimmed = encoded.trim();
        try {
            return trimmed.contains("-") || trimmed.contains("_") ? Base64.getUrlDecoder().decode(trimmed)
                    : Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            // Never echo the value: it is the key.
            throw new IllegalStateException("a smart-bff.session encryption key is not valid base64");
        }
    }
}
