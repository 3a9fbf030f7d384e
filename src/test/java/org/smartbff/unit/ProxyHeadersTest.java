package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.proxy.ProxyHeaders;

import io.vertx.core.MultiMap;

class ProxyHeadersTest {

    private static MultiMap request(String name, String value) {
        MultiMap from = MultiMap.caseInsensitiveMultiMap().add(name, value);
        MultiMap to = MultiMap.caseInsensitiveMultiMap();
        ProxyHeaders.copyRequestHeaders(from, to);
        return to;
    }

    private static MultiMap response(String name, String value) {
        MultiMap from = MultiMap.caseInsensitiveMultiMap().add(name, value);
        MultiMap to = MultiMap.caseInsensitiveMultiMap();
        ProxyHeaders.copyResponseHeaders(from, to);
        return to;
    }

    @ParameterizedTest
    @ValueSource(strings = { "Cookie", "cookie", "Authorization", "AUTHORIZATION", "X-CSRF", "x-csrf", "Host",
            "Connection", "Transfer-Encoding", "TE", "Upgrade", "Proxy-Authorization", "Proxy-Connection", "Keep-Alive",
            "Origin", "Referer", "X-Forwarded-For", "Forwarded" })
    void request_header_is_not_copied(String name) {
        assertTrue(request(name, "value").isEmpty(), name);
    }

    @ParameterizedTest
    @ValueSource(strings = { "Accept", "accept", "Content-Type", "CONTENT-TYPE", "If-Match", "if-match", "Prefer",
            "If-None-Match", "If-None-Exist", "If-Modified-Since", "Accept-Encoding", "Accept-Language", "Content-Length",
            "X-Request-Id", "traceparent", "tracestate" })
    void request_header_is_copied(String name) {
        assertEquals("v-1", request(name, "v-1").get(name));
    }

    @ParameterizedTest
    @ValueSource(strings = { "Set-Cookie", "set-cookie", "Connection", "Transfer-Encoding", "Upgrade",
            "WWW-Authenticate", "Strict-Transport-Security", "Access-Control-Allow-Origin", "Server", "Keep-Alive" })
    void response_header_is_not_copied(String name) {
        assertTrue(response(name, "value").isEmpty(), name);
    }

    @ParameterizedTest
    @ValueSource(strings = { "ETag", "etag", "Location", "Content-Type", "content-type", "Content-Location",
            "Last-Modified", "Cache-Control", "Retry-After", "Content-Encoding", "Vary", "X-Progress" })
    void response_header_is_copied(String name) {
        assertEquals("v-1", response(name, "v-1").get(name));
    }

    @Test
    void repeated_request_header_values_are_all_copied() {
        MultiMap from = MultiMap.caseInsensitiveMultiMap().add("Accept", "application/fhir+json").add("accept",
                "application/json");
        MultiMap to = MultiMap.caseInsensitiveMultiMap();
        ProxyHeaders.copyRequestHeaders(from, to);
        assertEquals(List.of("application/fhir+json", "application/json"), to.getAll("Accept"));
    }

    @Test
    void mixed_request_keeps_only_allowed_headers() {
        MultiMap from = MultiMap.caseInsensitiveMultiMap().add("Cookie", "__Host-smart-bff-session=abc")
                .add("Authorization", "Bearer browser").add("X-CSRF", "1").add("Accept", "application/fhir+json")
                .add("Prefer", "return=minimal");
        MultiMap to = MultiMap.caseInsensitiveMultiMap();
        ProxyHeaders.copyRequestHeaders(from, to);
        assertEquals(2, to.size());
        assertFalse(to.contains("Authorization"));
        assertFalse(to.contains("Cookie"));
        assertEquals("return=minimal", to.get("prefer"));
    }

    @Test
    void copy_adds_to_existing_headers_of_the_target() {
        MultiMap from = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer browser");
        MultiMap to = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer upstream");
        ProxyHeaders.copyRequestHeaders(from, to);
        assertEquals(List.of("Bearer upstream"), to.getAll("Authorization"));
    }
}
