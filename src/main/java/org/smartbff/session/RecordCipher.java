package org.smartbff.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.smartbff.common.Hashes;

/**
 * Seals records for Redis with AES-256-GCM. The sealed form is {@code v1.<key id>.<base64url(iv || ciphertext+tag)>}:
 * the key id in front lets keys rotate (old records still open with a previous key); the associated data binds a record
 * to its Redis key, so a record copied under another key does not open.
 */
public final class RecordCipher {

    private static final String PREFIX = "v1.";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecureRandom random = new SecureRandom();
    private final String currentKeyId;
    private final Map<String, SecretKey> keys;

    /**
     * @param current the key that seals, 32 bytes
     * @param previous keys that still open records sealed before a rotation
     */
    public RecordCipher(byte[] current, List<byte[]> previous) {
        Map<String, SecretKey> all = new LinkedHashMap<>();
        this.currentKeyId = add(all, current);
        previous.forEach(key -> add(all, key));
        this.keys = Map.copyOf(all);
    }

    private static String add(Map<String, SecretKey> keys, byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("an encryption key must be 32 bytes (AES-256), got " + key.length);
        }
        // The id is a digest of the key, so operators never have to name keys and two keys never share an id.
        String id = HexFormat.of().formatHex(Hashes.sha256(key), 0, 4);
        keys.putIfAbsent(id, new SecretKeySpec(key, "AES"));
        return id;
    }

    public String seal(byte[] plaintext, String associatedData) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            ByteBuffer out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed);
            return PREFIX + currentKeyId + "." + ENCODER.encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required of every JVM", e);
        }
    }

    /**
     * @throws UnreadableRecordException when the record is malformed, was sealed with an unknown key, or was altered
     */
    public byte[] open(String sealed, String associatedData) {
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            throw new UnreadableRecordException("unknown record format");
        }
        int dot = sealed.indexOf('.', PREFIX.length());
        if (dot < 0) {
            throw new UnreadableRecordException("unknown record format");
        }
        SecretKey key = keys.get(sealed.substring(PREFIX.length(), dot));
        if (key == null) {
            throw new UnreadableRecordException("record sealed with a key that is not configured");
        }
        try {
            byte[] bytes = DECODER.decode(sealed.substring(dot + 1));
            if (bytes.length < IV_BYTES + TAG_BITS / 8) {
                throw new UnreadableRecordException("record too short");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(bytes, IV_BYTES, bytes.length - IV_BYTES);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new UnreadableRecordException("record does not authenticate");
        }
    }

    /** The id of the key that seals, for the startup log. */
    public String currentKeyId() {
        return currentKeyId;
    }

    @Override
    public String toString() {
        return "RecordCipher[current=" + currentKeyId + ", keys=" + keys.size() + "]";
    }
}
