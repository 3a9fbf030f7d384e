package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.smartbff.smart.FormEncoding;

class FormEncodingTest {

    @Test
    void space_is_encoded_as_percent_20_not_plus() {
        assertEquals("a%20b", FormEncoding.encode("a b"));
    }

    @Test
    void literal_plus_is_percent_encoded() {
        assertEquals("a%2Bb", FormEncoding.encode("a+b"));
    }

    @Test
    void reserved_characters_are_percent_encoded() {
        assertEquals("https%3A%2F%2Fx%2Fy%3Fa%3D1%26b", FormEncoding.encode("https://x/y?a=1&b"));
    }

    @Test
    void query_skips_null_values_and_keeps_order() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("b", "2");
        parameters.put("skip", null);
        parameters.put("a", "1");
        assertEquals("b=2&a=1", FormEncoding.query(parameters));
    }

    @Test
    void append_query_to_url_without_query_uses_question_mark() {
        assertEquals("https://as/x?a=1", FormEncoding.appendQuery("https://as/x", Map.of("a", "1")));
    }

    @Test
    void append_query_to_url_with_query_uses_ampersand() {
        assertEquals("https://as/x?t=1&a=1", FormEncoding.appendQuery("https://as/x?t=1", Map.of("a", "1")));
    }

    @Test
    void append_empty_query_leaves_url_unchanged() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("a", null);
        assertEquals("https://as/x", FormEncoding.appendQuery("https://as/x", parameters));
    }

    @Test
    void parse_query_decodes_and_first_occurrence_wins() {
        Map<String, String> parsed = FormEncoding.parseQuery("code=a%20b&state=s1&state=s2&flag");
        assertEquals("a b", parsed.get("code"));
        assertEquals("s1", parsed.get("state"));
        assertEquals("", parsed.get("flag"));
    }

    @Test
    void parse_null_or_empty_query_is_empty() {
        assertTrue(FormEncoding.parseQuery(null).isEmpty());
        assertTrue(FormEncoding.parseQuery("").isEmpty());
    }
}
