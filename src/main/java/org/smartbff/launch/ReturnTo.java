package org.smartbff.launch;

import java.util.Optional;

/**
 * Where the browser may be sent after login: only a path on this origin, in visible ASCII. Anything that a browser
 * could read as another origin ({@code //evil}, {@code /\evil}, {@code https://evil}, control characters) is refused,
 * so the BFF is never an open redirect.
 */
public final class ReturnTo {

    private ReturnTo() {
    }

    /** The path if it is local, empty otherwise. */
    public static Optional<String> local(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > 2048) {
            return Optional.empty();
        }
        if (candidate.charAt(0) != '/') {
            return Optional.empty();
        }
        if (candidate.length() > 1 && (candidate.charAt(1) == '/' || candidate.charAt(1) == '\\')) {
            return Optional.empty();
        }
        for (int i = 0; i < candidate.length(); i++) {
            // Visible ASCII only: the path goes into a Location header as it is, and a header carries bytes. A
            // character above U+00FF would go out as '?', one in U+0080..U+00FF as a raw byte some browsers read as
            // another character; a browser's own location.pathname is percent-encoded anyway.
            char c = candidate.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\') {
                return Optional.empty();
            }
        }
        return Optional.of(candidate);
    }
}
