package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.smartbff.smart.Scopes;

class ScopesTest {

    @Test
    void parses_values_separated_by_multiple_spaces_and_tabs() {
        Scopes scopes = Scopes.parse("  openid \t\tfhirUser    launch/patient\n offline_access ");
        assertEquals(List.of("openid", "fhirUser", "launch/patient", "offline_access"), List.copyOf(scopes.values()));
    }

    @Test
    void keeps_the_order_given() {
        assertEquals("patient/*.rs openid launch", Scopes.parse("patient/*.rs openid launch").toString());
    }

    @Test
    void duplicates_are_kept_once() {
        assertEquals(List.of("openid", "launch"), List.copyOf(Scopes.parse("openid launch openid").values()));
    }

    @Test
    void includes_answers_as_parse_contains_does_without_building_a_set() {
        List<String> scopes = List.of("", " ", "offline_access", " offline_access ", "openid offline_access",
                "offline_access\topenid", "openid\noffline_access\r", "offline_accessx", "xoffline_access",
                "online_access offline_access_2", "offline_access/x", "patient/*.rs offline offline_access",
                "offline_accessoffline_access offline_access", "offline_access\u00a0openid");
        for (String scope : scopes) {
            for (String wanted : List.of("offline_access", "openid", "offline")) {
                assertEquals(Scopes.parse(scope).contains(wanted), Scopes.includes(scope, wanted), scope + " / " + wanted);
            }
        }
        assertFalse(Scopes.includes(null, "offline_access"));
    }

    @Test
    void contains_an_exact_scope_only() {
        Scopes scopes = Scopes.parse("patient/*.rs offline_access");
        assertTrue(scopes.contains("offline_access"));
        assertFalse(scopes.contains("offline"));
        assertFalse(scopes.contains("patient/*.read"));
    }

    @Test
    void contains_is_case_sensitive() {
        assertFalse(Scopes.parse("openid").contains("OpenID"));
    }

    @Test
    void null_and_blank_are_empty() {
        assertTrue(Scopes.parse(null).isEmpty());
        assertTrue(Scopes.parse(" \t ").isEmpty());
        assertEquals("", Scopes.parse(null).toString());
    }

    @Test
    void equal_when_same_values_regardless_of_whitespace() {
        Scopes a = Scopes.parse("openid launch");
        Scopes b = Scopes.parse("  openid\tlaunch ");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Test
    void not_equal_when_values_differ() {
        assertNotEquals(Scopes.parse("openid launch"), Scopes.parse("openid"));
    }

    @Test
    void values_are_unmodifiable() {
        assertThrows(UnsupportedOperationException.class, () -> Scopes.parse("openid").values().add("x"));
    }
}
