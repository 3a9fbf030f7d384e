package org.smartbff.web.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class BrowserHeadersTest {

    @Test
    void by_default_nothing_may_frame_any_kind_of_answer() {
        BrowserHeaders headers = new BrowserHeaders(BrowserHeaders.NO_FRAMING);
        for (BrowserHeaders.Kind kind : BrowserHeaders.Kind.values()) {
            assertTrue(headers.forKind(kind).get("Content-Security-Policy").endsWith("frame-ancestors 'none'"), kind.name());
            assertEquals("DENY", headers.forKind(kind).get("X-Frame-Options"), kind.name());
            assertEquals("nosniff", headers.forKind(kind).get("X-Content-Type-Options"), kind.name());
        }
    }

    @Test
    void an_ehr_allowed_to_frame_the_app_is_named_in_one_place_and_x_frame_options_steps_aside() {
        BrowserHeaders headers = new BrowserHeaders(List.of("https://ehr.example"));
        for (BrowserHeaders.Kind kind : BrowserHeaders.Kind.values()) {
            assertTrue(headers.forKind(kind).get("Content-Security-Policy").endsWith("frame-ancestors https://ehr.example"));
            assertFalse(headers.forKind(kind).containsKey("X-Frame-Options"), "DENY would override the allowed EHR");
        }
        assertThrows(IllegalArgumentException.class, () -> new BrowserHeaders(List.of()));
    }

    @Test
    void paths_map_to_their_kind() {
        assertEquals(BrowserHeaders.Kind.AUTH, BrowserHeaders.kindOf("/auth/callback"));
        assertEquals(BrowserHeaders.Kind.API, BrowserHeaders.kindOf("/fhir/Patient/1"));
        assertEquals(BrowserHeaders.Kind.API, BrowserHeaders.kindOf("/.well-known/jwks.json"));
        assertEquals(BrowserHeaders.Kind.API, BrowserHeaders.kindOf("/q/openapi"));
        assertEquals(BrowserHeaders.Kind.APP, BrowserHeaders.kindOf("/"));
        assertEquals(BrowserHeaders.Kind.APP, BrowserHeaders.kindOf("/authx"));
        assertEquals(BrowserHeaders.Kind.APP, BrowserHeaders.kindOf("/fhirish.js"));
    }

    @Test
    void etags_follow_the_content_and_if_none_match_is_read_as_rfc_9110_says() {
        String one = StaticAssets.etag("export const a = 1;".getBytes(StandardCharsets.UTF_8));
        String two = StaticAssets.etag("export const a = 2;".getBytes(StandardCharsets.UTF_8));
        assertNotEquals(one, two);
        assertEquals(one, StaticAssets.etag("export const a = 1;".getBytes(StandardCharsets.UTF_8)));
        assertTrue(StaticAssets.matches(one, one));
        assertTrue(StaticAssets.matches("W/" + one, one));
        assertTrue(StaticAssets.matches(two + ", " + one, one));
        assertTrue(StaticAssets.matches("*", one));
        assertFalse(StaticAssets.matches(two, one));
        assertFalse(StaticAssets.matches(null, one));
        assertFalse(StaticAssets.matches("", one));
    }
}
