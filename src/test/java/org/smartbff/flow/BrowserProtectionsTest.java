package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.testsupport.SmartTestResource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * What the browser is told about each kind of answer: a strict Content-Security-Policy (no inline script, no framing),
 * no sniffing, no referrer from the auth pages, and static files that revalidate instead of living a day in the cache.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class BrowserProtectionsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "/", "/index.html", "/demo.js", "/demo.css", "/smart-bff/smart-bff.js",
            "/smart-bff/smart-bff.d.ts" })
    void static_files_carry_a_strict_policy_and_revalidate_with_an_etag(String path) {
        Response first = given().redirects().follow(false).get(path);
        assertEquals(200, first.statusCode());
        String csp = first.header("Content-Security-Policy");
        assertNotNull(csp, path);
        assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), csp);
        assertTrue(csp.contains("frame-ancestors 'none'"), csp);
        assertTrue(csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"), csp);
        assertEquals("nosniff", first.header("X-Content-Type-Options"));
        assertEquals("same-origin", first.header("Referrer-Policy"));
        assertEquals("DENY", first.header("X-Frame-Options"));
        assertEquals("no-cache", first.header("Cache-Control"), "revalidated on every use, never 'immutable'");
        assertTrue(Pattern.matches("\"[A-Za-z0-9_-]{22}\"", first.header("ETag")), first.header("ETag"));

        Response again = given().redirects().follow(false).header("If-None-Match", first.header("ETag")).get(path);
        assertEquals(304, again.statusCode());
        assertEquals(first.header("ETag"), again.header("ETag"));
        assertEquals("no-cache", again.header("Cache-Control"));
        assertEquals("", again.asString());

        Response stale = given().redirects().follow(false).header("If-None-Match", "\"yesterdays-release-0000\"").get(path);
        assertEquals(200, stale.statusCode(), "a file that changed is sent whole");
    }

    @Test
    void the_auth_pages_send_no_referrer_and_cannot_be_framed() {
        for (Response response : new Response[] {
                given().redirects().follow(false).get("/auth/login"),
                given().redirects().follow(false).accept("text/html").get("/auth/callback?error=access_denied&state=x"),
                given().redirects().follow(false).get("/auth/session") }) {
            assertEquals("no-referrer", response.header("Referrer-Policy"), response.statusLine());
            assertEquals("nosniff", response.header("X-Content-Type-Options"), response.statusLine());
            String csp = response.header("Content-Security-Policy");
            assertTrue(csp.startsWith("default-src 'none'") && csp.contains("frame-ancestors 'none'"), csp);
            assertFalse(csp.contains("script-src"), "no script at all on auth pages: " + csp);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "/fhir/Patient/1", "/.well-known/jwks.json", "/q/openapi", "/nowhere" })
    void every_other_answer_is_protected_too(String path) {
        Response response = given().redirects().follow(false).get(path);
        assertEquals("nosniff", response.header("X-Content-Type-Options"), path);
        String csp = response.header("Content-Security-Policy");
        assertNotNull(csp, path);
        assertTrue(csp.contains("frame-ancestors 'none'"), csp);
        if (!path.equals("/nowhere")) {
            assertTrue(csp.contains("sandbox") && csp.startsWith("default-src 'none'"), path + ": " + csp);
            assertEquals("no-referrer", response.header("Referrer-Policy"), path);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "index.html" })
    void the_app_page_has_no_inline_script_or_style(String file) throws IOException {
        String html;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/resources/" + file)) {
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE).matcher(html).find(),
                "every script comes from a file");
        assertFalse(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "no handlers");
        assertFalse(html.toLowerCase().contains("javascript:"), "no javascript: URLs");
        assertFalse(Pattern.compile("<style|\\sstyle\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "no inline style");
    }
}
