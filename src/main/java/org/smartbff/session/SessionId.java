package org.smartbff.session;

import java.util.Optional;

import org.smartbff.common.Hashes;
import org.smartbff.common.RandomTokens;

/**
 * The opaque id in the session cookie: 256 random bits. Only its SHA-256 ({@link #hash()}) is stored or logged, so a
 * copy of Redis or of the logs gives no usable cookie.
 */
public final class SessionId {

    /** 256 bits in unpadded base64url. */
    private static final int LENGTH = 43;

    private final String value;
    private final String hash;

    private SessionId(String value) {
        this.value = value;
        this.hash = Hashes.sha256Hex(value);
    }

    public static SessionId generate() {
        return new SessionId(RandomTokens.random256());
    }

    /** Accepts only values this class could have made; anything else is no session. */
    public static Optional<SessionId> parse(String cookieValue) {
        if (!wellFormed(cookieValue)) {
            return Optional.empty();
        }
        return Optional.of(new SessionId(cookieValue));
    }

    /** {@code [A-Za-z0-9_-]{43}}, checked by hand: this runs on every proxied call. */
    private static boolean wellFormed(String value) {
        return base64Url(value, LENGTH);
    }

    /** Whether {@code value} is exactly {@code length} characters of unpadded base64url. */
    static boolean base64Url(String value, int length) {
        if (value == null || value.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** The raw value, for the Set-Cookie header and nothing else. */
    public String cookieValue() {
        return value;
    }

    /** SHA-256 hex of the id: the Redis key suffix. */
    public String hash() {
        return hash;
    }

    /** A short prefix of the hash that is enough to correlate log lines of one session. */
    public String logId() {
        return hash.substring(0, 12);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SessionId id && id.hash.equals(hash);
    }

    @Override
    public int hashCode() {
        return hash.hashCode();
    }

    @Override
    public String toString() {
        return "SessionId[" + logId() + "]";
    }
}
