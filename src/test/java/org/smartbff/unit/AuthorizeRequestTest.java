package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.smartbff.smart.AuthorizeRequest;
import org.smartbff.smart.FormEncoding;

class AuthorizeRequestTest {

    private static final String STATE = "state-SECRET-1234";
    private static final String NONCE = "nonce-SECRET-5678";

    private static AuthorizeRequest request(String endpoint, String nonce, String launch) {
        return new AuthorizeRequest(endpoint, "my-app", "https://bff.example/auth/callback",
                "launch/patient openid fhirUser patient/*.rs", STATE, "https://ehr.example/fhir?x=1",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", nonce, launch);
    }

    private static Map<String, String> query(String url) {
        return FormEncoding.parseQuery(URI.create(url).getRawQuery());
    }

    @Test
    void url_carries_every_parameter() {
        Map<String, String> q = query(request("https://as/authorize", NONCE, "launch-42").toUrl());
        assertEquals("code", q.get("response_type"));
        assertEquals("my-app", q.get("client_id"));
        assertEquals("https://bff.example/auth/callback", q.get("redirect_uri"));
        assertEquals("launch/patient openid fhirUser patient/*.rs", q.get("scope"));
        assertEquals(STATE, q.get("state"));
        assertEquals("https://ehr.example/fhir?x=1", q.get("aud"));
        assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", q.get("code_challenge"));
        assertEquals(NONCE, q.get("nonce"));
        assertEquals("launch-42", q.get("launch"));
    }

    @Test
    void code_challenge_method_is_s256() {
        String url = request("https://as/authorize", null, null).toUrl();
        assertTrue(url.contains("&code_challenge_method=S256"), url);
    }

    @Test
    void scope_spaces_are_encoded_as_percent_20() {
        String url = request("https://as/authorize", null, null).toUrl();
        assertTrue(url.contains("&scope=launch%2Fpatient%20openid%20fhirUser%20patient%2F*.rs&"), url);
        assertFalse(url.contains("+"), url);
    }

    @Test
    void aud_is_url_encoded() {
        String url = request("https://as/authorize", null, null).toUrl();
        assertTrue(url.contains("&aud=https%3A%2F%2Fehr.example%2Ffhir%3Fx%3D1&"), url);
    }

    @Test
    void redirect_uri_is_url_encoded() {
        String url = request("https://as/authorize", null, null).toUrl();
        assertTrue(url.contains("&redirect_uri=https%3A%2F%2Fbff.example%2Fauth%2Fcallback&"), url);
    }

    @Test
    void url_starts_with_endpoint_and_response_type() {
        String url = request("https://as/authorize", null, null).toUrl();
        assertTrue(url.startsWith("https://as/authorize?response_type=code&client_id=my-app&"), url);
    }

    @Test
    void endpoint_query_is_kept() {
        String url = request("https://as/authorize?tenant=1", null, null).toUrl();
        assertTrue(url.startsWith("https://as/authorize?tenant=1&response_type=code&"), url);
        assertEquals(1, url.chars().filter(c -> c == '?').count(), url);
    }

    @Test
    void nonce_and_launch_omitted_when_null() {
        String url = request("https://as/authorize", null, null).toUrl();
        assertFalse(url.contains("nonce="), url);
        assertFalse(url.contains("launch="), url);
    }

    @Test
    void launch_present_without_nonce() {
        Map<String, String> q = query(request("https://as/authorize", null, "xyz").toUrl());
        assertEquals("xyz", q.get("launch"));
        assertFalse(q.containsKey("nonce"));
    }

    @Test
    void to_string_hides_state_and_nonce() {
        String text = request("https://as/authorize", NONCE, "launch-42").toString();
        assertFalse(text.contains(STATE), text);
        assertFalse(text.contains(NONCE), text);
        assertFalse(text.contains("launch-42"), text);
        assertTrue(text.contains("my-app"), text);
    }
}
