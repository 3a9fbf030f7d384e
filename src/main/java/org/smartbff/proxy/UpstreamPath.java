package org.smartbff.proxy;

import java.util.Optional;

/**
 * The part of a {@code /fhir/...} request path that is appended to the FHIR base. Only plain relative paths pass: no
 * {@code .} or {@code ..} segments, no encoded slash, dot or backslash, no backslash, no empty segment (which could make
 * {@code //host}), no scheme. What passes can only ever address something below the server's base.
 *
 * <p>
 * Every proxied call goes through here, so the check is one pass over the characters, without regular expressions or
 * splitting.
 */
public final class UpstreamPath {

    /**
     * RFC 3986 pchar without {@code ;} and {@code %} (percent-escapes are checked on their own): servlet containers
     * drop {@code ;params} before normalising, so {@code ..;} would act as {@code ..} there, and FHIR paths never use
     * matrix parameters.
     */
    private static final boolean[] PCHAR = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            PCHAR[c] = true;
            PCHAR[Character.toLowerCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            PCHAR[c] = true;
        }
        for (char c : "-._~!$&'()*+,=:@".toCharArray()) {
            PCHAR[c] = true;
        }
    }

    private UpstreamPath() {
    }

    /**
     * @param rawPath the raw (not decoded) path after {@code /fhir}, e.g. {@code /Patient/123}; empty for the base
     * @return the relative path without a leading slash (possibly empty), or empty when it is refused
     */
    public static Optional<String> relative(String rawPath) {
        if (rawPath.isEmpty() || rawPath.equals("/")) {
            return Optional.of("");
        }
        if (rawPath.charAt(0) != '/') {
            return Optional.empty();
        }
        int end = rawPath.endsWith("/") ? rawPath.length() - 1 : rawPath.length();
        int segmentStart = 1;
        for (int i = 1; i <= end; i++) {
            if (i == end || rawPath.charAt(i) == '/') {
                if (!acceptableSegment(rawPath, segmentStart, i)) {
                    return Optional.empty();
                }
                segmentStart = i + 1;
                continue;
            }
            char c = rawPath.charAt(i);
            if (c == '%') {
                if (!acceptableEscape(rawPath, i, end)) {
                    return Optional.empty();
                }
                i += 2;
            } else if (c >= 128 || !PCHAR[c]) {
                return Optional.empty();
            }
        }
        return Optional.of(rawPath.substring(1, end));
    }

    /** Not empty (which could make {@code //host}), not {@code .}, not {@code ..}. */
    private static boolean acceptableSegment(String path, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return false;
        }
        return !(path.charAt(from) == '.' && (length == 1 || (length == 2 && path.charAt(from + 1) == '.')));
    }

    /**
     * A well-formed escape of something harmless: not an encoded dot ({@code %2E}), slash ({@code %2F}), backslash
     * ({@code %5C}), NUL ({@code %00}) or percent ({@code %25}, a double-encoding attempt).
     */
    private static boolean acceptableEscape(String path, int percent, int end) {
        if (percent + 2 >= end) {
            return false;
        }
        int high = Character.digit(path.charAt(percent + 1), 16);
        int low = Character.digit(path.charAt(percent + 2), 16);
        if (high < 0 || low < 0) {
            return false;
        }
        int value = high * 16 + low;
        return value != 0x2E && value != 0x2F && value != 0x5C && value != 0x00 && value != 0x25;
    }
}
