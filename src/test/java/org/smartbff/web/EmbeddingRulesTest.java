package org.smartbff.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.smartbff.web.browser.BrowserHeaders;

/** The pure rules of embedding: same-origin check, frame-ancestors directive, cookie attributes. */
class EmbeddingRulesTest {

    private static final String APP = "https://app.hospital.example";

    @Test
    void origin_decides_when_present_then_sec_fetch_site_then_the_csrf_header_alone() {
        assertTrue(SameOriginGuard.sameOrigin(APP, null, APP));
        assertTrue(SameOriginGuard.sameOrigin("HTTPS://APP.hospital.example", "cross-site", APP), "Origin decides");
        assertFalse(SameOriginGuard.sameOrigin("https://ehr.hospital.example", "same-origin", APP));
        assertFalse(SameOriginGuard.sameOrigin("null", null, APP), "a sandboxed or opaque origin");
        assertFalse(SameOriginGuard.sameOrigin("https://app.hospital.example:8443", null, APP));
        assertTrue(SameOriginGuard.sameOrigin(null, "same-origin", APP));
        for (String site : new String[] { "same-site", "cross-site", "none" }) {
            assertFalse(SameOriginGuard.sameOrigin(null, site, APP), site);
        }
        assertTrue(SameOriginGuard.sameOrigin(null, null, APP), "not a browser: X-CSRF still required");
    }

    @Test
    void the_app_origin_is_scheme_host_and_a_non_default_port() {
        assertEquals(APP, Origins.of("https://App.Hospital.example:443/smart/"));
        assertEquals("http://localhost:8080", Origins.of("http://localhost:8080"));
    }

    @Test
    void frame_ancestors_lists_the_configured_origins_or_none() {
        assertEquals("frame-ancestors 'none'", new BrowserHeaders(BrowserHeaders.NO_FRAMING)
                .forKind(BrowserHeaders.Kind.APP).get("Content-Security-Policy").replaceAll(".*; ", ""));
        String ehr = new BrowserHeaders(List.of("https://ehr.example", "https://*.ehr.example"))
                .forKind(BrowserHeaders.Kind.AUTH).get("Content-Security-Policy").replaceAll(".*; ", "");
        assertEquals("frame-ancestors https://ehr.example https://*.ehr.example", ehr);
    }

    @Test
    void the_embedded_mode_changes_only_smart_bffs_own_cookies() {
        assertEquals("__Host-smart-bff-session=v; Path=/; Secure; HttpOnly; SameSite=None; Partitioned",
                EmbeddedCookies.embedded("__Host-smart-bff-session=v; Path=/; Secure; HttpOnly; SameSite=Lax"));
        assertEquals("other=v; SameSite=Lax", EmbeddedCookies.embedded("other=v; SameSite=Lax"));
    }
}
