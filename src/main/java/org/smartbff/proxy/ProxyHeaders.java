package org.smartbff.proxy;

import java.util.Set;

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

    private ProxyHeaders() {
    }

    public static void copyRequestHeaders(MultiMap from, MultiMap to) {
        copy(from, to, REQUEST);
    }

    public static void copyResponseHeaders(MultiMap from, MultiMap to) {
        copy(from, to, RESPONSE);
    }

    private static void copy(MultiMap from, MultiMap to, Set<String> allowed) {
        from.forEach(header -> {
            String name = header.getKey().toLowerCase(java.util.Locale.ROOT);
            if (allowed.contains(name)) {
                to.add(name, header.getValue());
            }
        });
    }
}
