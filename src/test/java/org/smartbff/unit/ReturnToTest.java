package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.launch.ReturnTo;

class ReturnToTest {

    @ParameterizedTest
    @ValueSource(strings = { "/", "/app", "/app?x=1#y", "/app/patients/123?tab=labs", "/a/b/c/", "/%2F%2Fevil.com",
            "/app#/route", "/?next=https://evil.com" })
    void local_paths_are_accepted_unchanged(String path) {
        assertEquals(Optional.of(path), ReturnTo.local(path));
    }

    @ParameterizedTest
    @ValueSource(strings = { "//evil.com", "//evil.com/app", "/\\evil.com", "https://evil.com", "http://evil.com/",
            "javascript:alert(1)", "evil", "evil.com/app", "./app", "../app", "?x=1", "#y", "data:text/html,x",
            "\\\\evil.com", " /app" })
    void other_origins_and_non_paths_are_refused(String candidate) {
        assertTrue(ReturnTo.local(candidate).isEmpty(), candidate);
    }

    @Test
    void empty_is_refused() {
        assertTrue(ReturnTo.local("").isEmpty());
    }

    @Test
    void null_is_refused() {
        assertTrue(ReturnTo.local(null).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = { "/app\r\nSet-Cookie: x=1", "/app\nx", "/app\rx", "/\t/evil.com", "/app\tx", "/app\u0000",
            "/app\u007f", "/app\u001b" })
    void control_characters_are_refused(String candidate) {
        assertTrue(ReturnTo.local(candidate).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = { "/app\\evil", "/a/b\\", "/app?x=\\" })
    void backslashes_anywhere_are_refused(String candidate) {
        assertTrue(ReturnTo.local(candidate).isEmpty(), candidate);
    }

    @ParameterizedTest
    @ValueSource(strings = { "/\u012F\u012Fevil.example", "/caf\u00e9", "/app path", "/\uFF0F\uFF0Fevil.example" })
    void anything_but_visible_ascii_is_refused_since_a_header_cannot_carry_it(String candidate) {
        assertTrue(ReturnTo.local(candidate).isEmpty(), candidate);
    }

    @Test
    void path_of_2048_characters_is_accepted_and_longer_is_refused() {
        String limit = "/" + "a".repeat(2047);
        assertTrue(ReturnTo.local(limit).isPresent());
        assertTrue(ReturnTo.local(limit + "a").isEmpty());
    }
}
