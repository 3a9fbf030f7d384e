package org.smartbff.proxy;

import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.http.RequestOptions;

/**
 * Where each FHIR server's base lives (host, port, TLS, path), parsed once per base. Vert.x's
 * {@link RequestOptions#setAbsoluteURI(String)} builds a {@link java.net.URL} on every call for the same answer (about
 * 1 % of the CPU of a proxied read in an async-profiler profile); this parses with it once and reuses the result.
 */
final class UpstreamOrigins {

    /** A FHIR base, taken apart: {@code basePath} is empty for a base at the root, else starts with '/'. */
    record Origin(String host, int port, boolean ssl, String basePath) {

        /**
         * The request options for {@code relative} under this base: empty, or a path starting with '/', then maybe a
         * '?' and a query; the same Vert.x would build from the absolute URL.
         */
        RequestOptions options(String relative) {
            String uri = basePath + relative;
            if (uri.isEmpty() || uri.charAt(0) != '/') {
                uri = "/" + uri;
            }
            return new RequestOptions().setHost(host).setPort(port).setSsl(ssl).setURI(uri);
        }
    }

    private final ConcurrentHashMap<String, Origin> byBase = new ConcurrentHashMap<>();

    /** The origin of a normalised FHIR base URL (no trailing slash, no query). */
    Origin of(String fhirBaseUrl) {
        return byBase.computeIfAbsent(fhirBaseUrl, UpstreamOrigins::parse);
    }

    static Origin parse(String fhirBaseUrl) {
        RequestOptions parsed = new RequestOptions().setAbsoluteURI(fhirBaseUrl);
        String path = parsed.getURI();
        return new Origin(parsed.getHost(), parsed.getPort(), parsed.isSsl(), path.equals("/") ? "" : path);
    }
}
