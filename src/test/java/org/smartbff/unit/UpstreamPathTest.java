package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.proxy.UpstreamPath;

class UpstreamPathTest {

    @ParameterizedTest(name = "refuses [{0}]")
    @ValueSource(strings = {
            // dot segments
            "/..", "/../x", "/Patient/..", "/Patient/../../admin", "/Patient/../metadata", "/.", "/./x", "/Patient/./1",
            "/Patient/1/..", "/Patient/1/../../..",
            // encoded dots (any case) and mixes
            "/%2e%2e/x", "/%2E%2E/x", "/%2e%2E/x", "/.%2e/x", "/%2e./x", "/%2e/x", "/Patient/%2e%2e", "/Patient/%2E",
            // encoded slash
            "/Patient%2F123", "/Patient%2f..%2f", "/Patient%2f123", "/%2f%2fevil.com", "/%2Fetc%2Fpasswd",
            // backslash, raw or encoded
            "/\\evil", "/Patient\\..\\admin", "/%5cevil", "/%5Cevil", "/Patient/..%5c..%5cadmin",
            // NUL
            "/Patient%00", "/Patient%00.json",
            // bad escapes
            "/Patient/%", "/Patient/%zz", "/Patient/%2", "/Patient/%g0", "/%",
            // empty segments, which could make //host
            "//evil.com/x", "//evil.com", "/Patient//1", "///x", "/http://evil.com", "/https://evil.com/fhir",
            "/Patient/123//",
            // not a path at all, or characters outside pchar
            "Patient/123", "evil.com", "/Patient?x=1", "/Patient#frag", "/Patient 1", "/Patient/\t1", "/Patient\r\nHost: x",
            "/Patient/<script>", "/Patient/\"1\"", "/Patient/{id}", "/Patient|1", "/Patient/^1", "/Patient/`1`",
            "/Patient/\u00e9", "/\uff0e\uff0e/x", "/Patient/1\u0000" })
    void hostile_paths_are_refused(String rawPath) {
        assertEquals(Optional.empty(), UpstreamPath.relative(rawPath));
    }

    @ParameterizedTest(name = "refuses [{0}]")
    @ValueSource(strings = { "/..;/admin", "/Patient/..;/..;/admin", "/..;jsessionid=x/admin", "/.;/admin", "/Patient;x=1/123",
            "/Patient/%252e%252e/x" })
    void dot_segments_with_path_parameters_are_refused(String rawPath) {
        // Servlet containers (Tomcat, Jetty, Undertow) drop ";params" before normalising, so "..;" is read as "..".
        assertEquals(Optional.empty(), UpstreamPath.relative(rawPath));
    }

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\" | \"\"",
            "\"/\" | \"\"",
            "\"/Patient/123\" | \"Patient/123\"",
            "\"/Patient/123/\" | \"Patient/123\"",
            "\"/Patient/123/_history/2\" | \"Patient/123/_history/2\"",
            "\"/Observation\" | \"Observation\"",
            "\"/metadata\" | \"metadata\"",
            "\"/$everything\" | \"$everything\"",
            "\"/Patient/123/$everything\" | \"Patient/123/$everything\"",
            "\"/Patient/a-b.c_d\" | \"Patient/a-b.c_d\"",
            "\"/Patient/~x\" | \"Patient/~x\"",
            "\"/...\" | \"...\"",
            "\"/Patient/1..\" | \"Patient/1..\"",
            "\"/Patient/%20x\" | \"Patient/%20x\"",
            "\"/Observation/_search\" | \"Observation/_search\"",
            "\"/Patient/123/_history/@2\" | \"Patient/123/_history/@2\"",
            "\"/Binary/a:b\" | \"Binary/a:b\"",
            "\"/Patient/id%3Ax\" | \"Patient/id%3Ax\"",
            "\"/Group/1/$export\" | \"Group/1/$export\"",
            "\"/Patient/!$&'()*+,=\" | \"Patient/!$&'()*+,=\"" })
    void plain_relative_paths_are_accepted(String rawPath, String expected) {
        assertEquals(Optional.of(expected), UpstreamPath.relative(rawPath));
    }

    @Test
    void accepted_path_never_starts_with_a_slash() {
        assertTrue(UpstreamPath.relative("/Patient").orElseThrow().charAt(0) != '/');
    }
}
