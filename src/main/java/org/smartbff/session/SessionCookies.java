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
        StringBuilder cookie = new StringBuilder(name).append('=').append(value).append("; Path=/; Secure; HttpOnly; SameSite=Lax");
        if (maxAge != null) {
            cookie.append("; Max-Age=").append(Math.max(0, maxAge.toSeconds()));
        }
        return cookie.toString();
    }

    /** The value of a cookie in a {@code Cookie} request header, the first one when the name repeats. */
    public static Optional<String> read(String cookieHeader, String name) {
        if (cookieHeader == null) {
            return Optional.empty();
        }
        for (String pair : cookieHeader.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                String value = pair.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
