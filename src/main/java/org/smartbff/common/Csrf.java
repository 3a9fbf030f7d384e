package org.smartbff.common;

/**
 * The anti-forgery header. A cross-site form or image cannot set a custom header, and a cross-site {@code fetch} that
 * sets one needs a CORS preflight that smart-bff never grants; so its presence proves the call came from the SPA's own
 * origin.
 */
public final class Csrf {

    public static final String HEADER = "X-CSRF";

    private Csrf() {
    }

    public static boolean valid(String value) {
        return "1".equals(value);
    }
}
