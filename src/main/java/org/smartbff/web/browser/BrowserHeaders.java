package org.smartbff.web.browser;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The protections every answer carries towards the browser, by kind of answer, built in one place. Pure.
 *
 * <p>
 * Script runs only from this origin's files (no inline script, no eval), nothing is fetched from elsewhere, and no page
 * may be framed except by {@code frameAncestors} ({@code 'none'} by default; an EHR that embeds the app in an iframe
 * is named there, which is also why {@code X-Frame-Options} is only sent while nobody may frame).
 */
public final class BrowserHeaders {

    /** What is being answered. */
    public enum Kind {
        /** The app's own files: the demo page, its script and style, the JS helper. */
        APP,
        /** {@code /auth/*}: redirects carrying codes and states, and error pages. */
        AUTH,
        /** Data: {@code /fhir}, JSON of {@code /auth}, JWKS, OpenAPI. Never to be rendered as a page. */
        API
    }

    public static final List<String> NO_FRAMING = List.of("'none'");

    private final Map<Kind, Map<String, String>> headers = new LinkedHashMap<>();

    /** @param frameAncestors CSP {@code frame-ancestors} sources, e.g. {@code 'none'} or {@code https://ehr.example} */
    public BrowserHeaders(List<String> frameAncestors) {
        if (frameAncestors.isEmpty()) {
            throw new IllegalArgumentException("frame-ancestors needs at least one source ('none' for no framing)");
        }
        String framing = "frame-ancestors " + String.join(" ", frameAncestors);
        boolean noFraming = frameAncestors.equals(NO_FRAMING);
        headers.put(Kind.APP, common(noFraming, "same-origin",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                        + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " + framing));
        // Error pages carry their style inline and nothing else; no referrer can leak a code or state from here.
        headers.put(Kind.AUTH, common(noFraming, "no-referrer",
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; "
                        + framing));
        // Opened directly (a FHIR Binary of type text/html), a data answer cannot run script or load anything.
        headers.put(Kind.API, common(noFraming, "no-referrer", "default-src 'none'; sandbox; " + framing));
    }

    private static Map<String, String> common(boolean noFraming, String referrerPolicy, String csp) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("Content-Security-Policy", csp);
        map.put("X-Content-Type-Options", "nosniff");
        map.put("Referrer-Policy", referrerPolicy);
        if (noFraming) {
            map.put("X-Frame-Options", "DENY");
        }
        return Map.copyOf(map);
    }

    public Map<String, String> forKind(Kind kind) {
        return headers.get(kind);
    }

    /** The kind of answer a path gets. */
    public static Kind kindOf(String path) {
        if (path.equals("/auth") || path.startsWith("/auth/")) {
            return Kind.AUTH;
        }
        if (path.equals("/fhir") || path.startsWith("/fhir/") || path.startsWith("/.well-known/") || path.equals("/q")
                || path.startsWith("/q/")) {
            return Kind.API;
        }
        return Kind.APP;
    }
}
