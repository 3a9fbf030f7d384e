package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenEndpointException.Kind;

class TokenEndpointExceptionTest {

    @Test
    void invalid_grant_is_rejected_and_ends_the_session() {
        TokenEndpointException e = TokenEndpointException.fromErrorBody("{\"error\":\"invalid_grant\"}");
        assertEquals(Kind.REJECTED, e.kind());
        assertEquals("invalid_grant", e.error());
        assertTrue(e.endsSession());
    }

    @ParameterizedTest
    @ValueSource(strings = { "invalid_client", "unauthorized_client" })
    void client_errors_end_the_session(String error) {
        TokenEndpointException e = TokenEndpointException.fromErrorBody("{\"error\":\"" + error + "\"}");
        assertEquals(Kind.REJECTED, e.kind());
        assertTrue(e.endsSession());
    }

    @Test
    void invalid_request_is_rejected_but_does_not_end_the_session() {
        TokenEndpointException e = TokenEndpointException.fromErrorBody("{\"error\":\"invalid_request\"}");
        assertEquals(Kind.REJECTED, e.kind());
        assertEquals("invalid_request", e.error());
        assertFalse(e.endsSession());
    }

    @Test
    void error_description_is_in_the_message() {
        TokenEndpointException e = TokenEndpointException
                .fromErrorBody("{\"error\":\"invalid_grant\",\"error_description\":\"refresh token expired\"}");
        assertEquals("invalid_grant: refresh token expired", e.getMessage());
    }

    @Test
    void message_is_the_error_alone_without_description() {
        assertEquals("invalid_grant", TokenEndpointException.fromErrorBody("{\"error\":\"invalid_grant\"}").getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "OIDC Server is not available", "<html><body>502 Bad Gateway</body></html>", "", "[]",
            "{\"message\":\"down\"}", "{\"error\":42}", "{\"error\":null}", "\"invalid_grant\"" })
    void non_oauth_body_is_unavailable(String body) {
        TokenEndpointException e = TokenEndpointException.fromErrorBody(body);
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertEquals("temporarily_unavailable", e.error());
        assertFalse(e.endsSession());
    }

    @Test
    void null_body_is_unavailable() {
        assertEquals(Kind.UNAVAILABLE, TokenEndpointException.fromErrorBody(null).kind());
    }

    @Test
    void control_characters_in_error_description_are_stripped() {
        TokenEndpointException e = TokenEndpointException.fromErrorBody(
                "{\"error\":\"invalid_grant\",\"error_description\":\"bad\\r\\nFAKE LOG LINE\\u0000\\u001b[31m\\t!\"}");
        assertEquals("invalid_grant: badFAKE LOG LINE[31m!", e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c <= 0x7e), e.getMessage());
    }

    @Test
    void non_ascii_in_error_is_stripped() {
        TokenEndpointException e = TokenEndpointException.fromErrorBody("{\"error\":\"invalid\\n_grant\\u00e9\"}");
        assertEquals("invalid_grant", e.error());
        assertTrue(e.endsSession());
    }

    @Test
    void long_error_description_is_truncated_to_200_characters() {
        String body = "{\"error\":\"invalid_grant\",\"error_description\":\"" + "x".repeat(500) + "\"}";
        TokenEndpointException e = TokenEndpointException.fromErrorBody(body);
        assertEquals("invalid_grant: " + "x".repeat(200), e.getMessage());
    }

    @Test
    void invalid_response_factory_has_its_kind() {
        TokenEndpointException e = TokenEndpointException.invalidResponse("no access_token");
        assertEquals(Kind.INVALID_RESPONSE, e.kind());
        assertEquals("invalid_token_response", e.error());
        assertFalse(e.endsSession());
    }
}
