package org.smartbff.smart;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.smartbff.common.RandomTokens;

/**
 * A PKCE pair (RFC 7636) with the only method SMART allows, S256. The verifier is 256 random bits, base64url: 43
 * characters, within the 43..128 the RFC requires.
 */
public record Pkce(String verifier, String challenge) {

    public static final String METHOD = "S256";

    public static Pkce generate() {
        String verifier = RandomTokens.random256();
        return new Pkce(verifier, challengeOf(verifier));
    }

    /** {@code BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))}. */
    public static String challengeOf(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return RandomTokens.base64Url(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public String toString() {
        return "Pkce[verifier=present, challenge=" + challenge + "]";
    }
}
