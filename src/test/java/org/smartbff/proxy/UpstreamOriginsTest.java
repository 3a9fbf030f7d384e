package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.vertx.core.http.RequestOptions;

/** A base parsed once gives the same request as Vert.x parsing the whole absolute URL on every call. */
class UpstreamOriginsTest {

    private static final List<String> BASES = List.of("http://fhir.example", "https://fhir.example/r4",
            "http://127.0.0.1:8080/fhir", "https://ehr.example:443/api/FHIR/R4", "http://[::1]:9090/fhir",
            "http://fhir_server:80/baseR4", "HTTPS://Fhir.Example:8443/a/b/c");
    private static final List<String> TARGETS = List.of("", "/Patient", "/Patient/123", "/Patient?name=a%20b&_count=5",
            "?_count=1", "/Observation/_search", "/Patient/1/_history/2", "/metadata?_format=json", "/%2F..%2F");

    @Test
    void every_base_and_target_gives_the_request_vertx_would_build_from_the_absolute_url() {
        UpstreamOrigins origins = new UpstreamOrigins();
        for (String base : BASES) {
            for (String target : TARGETS) {
                RequestOptions expected = new RequestOptions().setAbsoluteURI(base + target);
                RequestOptions actual = origins.of(base).options(target);
                String what = base + " + " + target;
                assertEquals(expected.getHost(), actual.getHost(), what);
                assertEquals(expected.getPort(), actual.getPort(), what);
                assertEquals(expected.isSsl(), actual.isSsl(), what);
                assertEquals(expected.getURI(), actual.getURI(), what);
            }
        }
    }

    @Test
    void a_base_is_parsed_once() {
        UpstreamOrigins origins = new UpstreamOrigins();
        assertSame(origins.of("https://fhir.example/r4"), origins.of("https://fhir.example/r4"));
    }
}
