package org.smartbff.proxy;

import java.util.Set;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;

/**
 * Which headers cross the proxy. Both directions are allowlists: anything not named here (cookies, the browser's
 * Authorization, X-CSRF, hop-by-hop headers, Host, Set-Cookie) stays on its side.
 */
public final class ProxyHeaders {

    /** Browser to FHIR server. Content-Length is kept so a server that dislikes chunked bodies gets a length. */
    static final Set<String> REQUEST = Set.of("accept", "accept-encoding", "accept-language", "content-type",
            "content-length", "if-match", "if-none-match", "if-none-exist", "if-modified-since", "prefer",
            "x-request-id", "traceparent", "tracestate");

    /** FHIR server to browser. */
    static final Set<String> RESPONSE = Set.of("content-type", "content-length", "content-encoding", "content-language",
            "etag", "last-modified", "location", "content-location", "cache-control", "expires", "vary", "retry-after",
            "x-request-id", "x-progress");

    private static final AsciiString[] REQUEST_NAMES = names(REQUEST);
    private static final AsciiString[] RESPONSE_NAMES = names(RESPONSE);

    private ProxyHeaders() {
    }

    public static void copyRequestHeaders(MultiMap from, MultiMap to) {
        copy(from, to, REQUEST_NAMES);
    }

    public static void copyResponseHeaders(MultiMap from, MultiMap to) {
        copy(from, to, RESPONSE_NAMES);
    }

    /**
     * Looks up each allowed name (Vert.x header maps hash names case-insensitively) rather than walking the incoming
     * headers and lower-casing each name: no allocation for a header that is absent, and this runs twice per call.
     */
    private static void copy(MultiMap from, MultiMap to, AsciiString[] allowed) {
        for (AsciiString name : allowed) {
            if (from.contains(name)) {
                for (String value : from.getAll(name)) {
                    to.add(name, value);
                }
            }
        }
    }

    private static AsciiString[] names(Set<String> names) {
        return names.stream().map(AsciiString::cached).toArray(AsciiString[]::new);
    }
}
