package org.smartbff.session;

import java.time.Duration;
import java.util.Optional;

/**
 * The two cookies smart-bff sets, as {@code Set-Cookie} values. Both are {@code __Host-} prefixed (so they are Secure,
 * host-only and Path=/ by the browser's own rules), HttpOnly (no script reads them) and SameSite=Lax (sent on the
 * top-level navigation back from the authorization server, not on cross-site subrequests).
 */
public final class SessionCookies {

    /** The session cookie: holds the only copy of the session id. */
    public static final String SESSION = "__Host-smart-bff-session";
    /** The launch binding cookie: ties a callback to the browser that started the launch. */
    public static final String LAUNCH_BINDING = "__Host-smart-bff-launch";

    private SessionCookies() {
    }

    /** @param maxAge null for a cookie that ends with the browser session */
    public static String session(SessionId id, Duration maxAge) {
        return cookie(SESSION, id.cookieValue(), maxAge);
    }

    /** @param value the browser session's cookie value (see {@link BrowserSession}); maxAge as above */
    public static String session(String value, Duration maxAge) {
        return cookie(SESSION, value, maxAge);
    }

    public static String expiredSession() {
        return cookie(SESSION, "", Duration.ZERO);
    }

    public static String launchBinding(String value, Duration maxAge) {
        return cookie(LAUNCH_BINDING, value, maxAge);
    }

    public static String expiredLaunchBinding() {
        return cookie(LAUNCH_BINDING, "", Duration.ZERO);
    }

    private static String cookie(String name, String value, Duration maxAge) {
        StringBuilder cookie = new StringBuilder(name).append('=').append(value)
                .append("; Path=/; Secure; HttpOnly; SameSite=Lax");
        if (maxAge != null) {
            cookie.append("; Max-Age=").append(Math.max(0, maxAge.toSeconds()));
        }
        return cookie.toString();
    }

    /**
     * The value of a cookie in a {@code Cookie} request header, the first one when the name repeats. Read in place (no
     * split, no string per pair): this runs on every proxied call, and the header may hold any other site cookies.
     */
    public static Optional<String> read(String cookieHeader, String name) {
        if (cookieHeader == null) {
            return Optional.empty();
        }
        int length = cookieHeader.length();
        int start = 0;
        while (start < length) {
            int end = start;
            int eq = -1;
            for (; end < length && cookieHeader.charAt(end) != ';'; end++) {
                if (eq < 0 && cookieHeader.charAt(end) == '=') {
                    eq = end;
                }
            }
            if (eq > start) {
                int nameStart = start;
                int nameEnd = eq;
                while (nameStart < nameEnd && cookieHeader.charAt(nameStart) <= ' ') {
                    nameStart++;
                }
                while (nameEnd > nameStart && cookieHeader.charAt(nameEnd - 1) <= ' ') {
                    nameEnd--;
                }
                if (nameEnd - nameStart == name.length() && cookieHeader.regionMatches(nameStart, name, 0, name.length())) {
                    String value = cookieHeader.substring(eq + 1, end).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    return Optional.of(value);
                }
            }
            start = end + 1;
        }
        return Optional.empty();
    }
}
