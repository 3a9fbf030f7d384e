package org.smartbff.proxy;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The part of a {@code /fhir/...} request path that is appended to the FHIR base. Only plain relative paths pass: no
 * {@code .} or {@code ..} segments, no encoded slash, dot or backslash, no backslash, no empty segment (which could make
 * {@code //host}), no scheme. What passes can only ever address something below the server's base.
 */
public final class UpstreamPath {

    /**
     * RFC 3986 pchar without {@code ;}: servlet containers drop {@code ;params} before normalising, so {@code ..;}
     * would act as {@code ..} there, and FHIR paths never use matrix parameters. Percent-escapes are checked separately.
     */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9\\-._~!$&'()*+,=:@%]+");
    /** Malformed escapes, encoded dot, slash, backslash, NUL, and an encoded percent (a double-encoding attempt). */
    private static final Pattern BAD_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})|%2[eEfF]|%5[cC]|%00|%25");

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
        String relative = rawPath.substring(1);
        if (relative.endsWith("/")) {
            relative = relative.substring(0, relative.length() - 1);
        }
        if (BAD_ESCAPE.matcher(relative).find()) {
            return Optional.empty();
        }
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()) {
                return Optional.empty();
            }
        }
        return Optional.of(relative);
    }
}
