package org.smartbff.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.smartbff.common.Hashes;

/**
 * Launch handles: the name a tab uses for its own launch ({@code X-SMART-Launch}). A handle is the launch's id
 * encrypted (AES-256-GCM) under a key derived from the browser's session secret (the cookie), so:
 * <ul>
 * <li>it is useless without the cookie: a copy of sessionStorage, a log or a screenshot names no session;</li>
 * <li>a handle of another browser session fails authentication and is refused before any Redis read;</li>
 * <li>the launch id is a full random 256-bit {@link SessionId}, stored under its hash like any session, so refresh
 * locks, single-flight, the session cache and the change feed work per launch unchanged; and the browser's first
 * launch keeps the cookie value as its id, the layout single-tab apps and existing sessions already have.</li>
 * </ul>
 * Pure code, no I/O.
 */
public final class LaunchHandles {

    /** The request header that names the launch a call is for. */
    public static final String HEADER = "X-SMART-Launch";

    private static final int IV_BYTES = 12;
    private static final int ID_BYTES = 32;
    private static final int TAG_BITS = 128;
    /** base64url without padding of iv (12) + encrypted id (32) + tag (16). */
    static final int LENGTH = 80;
    private static final byte[] KEY_LABEL = "smart-bff launch handle v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private LaunchHandles() {
    }

    /** The handle of {@code launch} for the browser whose secret is {@code browser}. */
    public static String handle(SessionId browser, SessionId launch) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, browser, iv);
            byte[] sealed = cipher.doFinal(DECODER.decode(launch.cookieValue()));
            byte[] out = new byte[IV_BYTES + sealed.length];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return ENCODER.encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required of every JVM", e);
        }
    }

    /** The launch a handle names, or empty when it is malformed or was not made for this browser. */
    public static Optional<SessionId> open(SessionId browser, String handle) {
        if (!wellFormed(handle)) {
            return Optional.empty();
        }
        byte[] raw = DECODER.decode(handle);
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, browser, Arrays.copyOf(raw, IV_BYTES));
            byte[] id = cipher.doFinal(raw, IV_BYTES, raw.length - IV_BYTES);
            return id.length == ID_BYTES ? SessionId.parse(ENCODER.encodeToString(id)) : Optional.empty();
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required of every JVM", e);
        }
    }

    private static Cipher cipher(int mode, SessionId browser, byte[] iv) throws GeneralSecurityException {
        byte[] secret = browser.cookieValue().getBytes(StandardCharsets.US_ASCII);
        byte[] material = new byte[KEY_LABEL.length + secret.length];
        System.arraycopy(KEY_LABEL, 0, material, 0, KEY_LABEL.length);
        System.arraycopy(secret, 0, material, KEY_LABEL.length, secret.length);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(Hashes.sha256(material), "AES"), new GCMParameterSpec(TAG_BITS, iv));
        return cipher;
    }

    /** {@code [A-Za-z0-9_-]{80}}, checked before any decoding: handles come from request headers. */
    static boolean wellFormed(String value) {
        return SessionId.base64Url(value, LENGTH);
    }
}
