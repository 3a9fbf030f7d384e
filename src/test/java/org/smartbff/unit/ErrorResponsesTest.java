package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Test;
import org.smartbff.web.ErrorResponses;

class ErrorResponsesTest {

    private static HttpHeaders accepting(MediaType... types) {
        return (HttpHeaders) Proxy.newProxyInstance(HttpHeaders.class.getClassLoader(), new Class<?>[] { HttpHeaders.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("getAcceptableMediaTypes")) {
                        return List.of(types);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void json_error_has_status_error_and_description() {
        Response response = ErrorResponses.json(400, "invalid_request", "state does not match");
        assertEquals(400, response.getStatus());
        assertEquals(Map.of("error", "invalid_request", "error_description", "state does not match"), response.getEntity());
        assertTrue(response.getMediaType().isCompatible(MediaType.APPLICATION_JSON_TYPE));
    }

    @Test
    void json_error_is_not_cached() {
        assertEquals("no-store", ErrorResponses.json(500, "e", "d").getHeaderString("Cache-Control"));
    }

    @Test
    void caller_accepting_only_json_gets_json() {
        Response response = ErrorResponses.forCaller(accepting(MediaType.APPLICATION_JSON_TYPE), 403, "forbidden", "no");
        assertTrue(response.getMediaType().isCompatible(MediaType.APPLICATION_JSON_TYPE));
    }

    @Test
    void browser_navigation_gets_an_html_page_with_a_strict_csp() {
        Response response = ErrorResponses.forCaller(
                accepting(MediaType.TEXT_HTML_TYPE, MediaType.APPLICATION_JSON_TYPE, MediaType.WILDCARD_TYPE), 400,
                "invalid_state", "The sign-in link has expired.");
        assertTrue(response.getMediaType().isCompatible(MediaType.TEXT_HTML_TYPE));
        assertEquals("no-store", response.getHeaderString("Cache-Control"));
        assertTrue(response.getHeaderString("Content-Security-Policy").startsWith("default-src 'none'"));
        String page = (String) response.getEntity();
        assertTrue(page.contains("The sign-in link has expired."));
        assertTrue(page.contains("invalid_state"));
        assertTrue(page.contains("HTTP 400"));
    }

    @Test
    void wildcard_accept_gets_html() {
        Response response = ErrorResponses.forCaller(accepting(MediaType.WILDCARD_TYPE), 400, "e", "d");
        assertTrue(response.getMediaType().isCompatible(MediaType.TEXT_HTML_TYPE));
    }

    @Test
    void html_page_escapes_markup_in_error_and_description() {
        Response response = ErrorResponses.forCaller(accepting(MediaType.TEXT_HTML_TYPE), 400, "<b>e</b>",
                "<script>alert('x')</script> & \"more\"");
        String page = (String) response.getEntity();
        assertFalse(page.contains("<script>"), page);
        assertFalse(page.contains("<b>e</b>"), page);
        assertTrue(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"), page);
    }
}
