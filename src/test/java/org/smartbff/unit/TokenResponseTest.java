package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class TokenResponseTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ACCESS = "AT-distinctive-aaaa1111";
    private static final String REFRESH = "RT-distinctive-bbbb2222";
    private static final String ID_TOKEN = "eyJhbGciOi.IDT-distinctive-cccc3333.sig";

    private static final String FULL = """
            {"access_token":"%s","token_type":"bearer","expires_in":3600,"refresh_token":"%s",
             "scope":"launch/patient openid fhirUser patient/*.rs offline_access","id_token":"%s",
             "patient":"123","encounter":"enc-9",
             "fhirContext":[{"reference":"Appointment/1"},{"canonical":"http://x/Questionnaire/q","type":"Questionnaire"}],
             "need_patient_banner":true,"smart_style_url":"https://ehr/style.json",
             "vendor_ext":{"tenant":"t1"}}
            """.formatted(ACCESS, REFRESH, ID_TOKEN);

    private static TokenResponse parse(String text) throws Exception {
        return TokenResponse.parse(JSON.readTree(text));
    }

    private static TokenEndpointException invalid(String text) throws Exception {
        JsonNode node = JSON.readTree(text);
        return assertThrows(TokenEndpointException.class, () -> TokenResponse.parse(node));
    }

    @Test
    void parses_token_members_of_a_full_smart_response() throws Exception {
        TokenResponse tokens = parse(FULL);
        assertEquals(ACCESS, tokens.accessToken());
        assertEquals("bearer", tokens.tokenType());
        assertEquals(3600L, tokens.expiresIn());
        assertEquals(REFRESH, tokens.refreshToken());
        assertEquals("launch/patient openid fhirUser patient/*.rs offline_access", tokens.scope());
        assertEquals(ID_TOKEN, tokens.idToken());
    }

    @Test
    void patient_and_encounter_are_kept_in_context() throws Exception {
        TokenResponse tokens = parse(FULL);
        assertEquals("123", tokens.context().get("patient").asText());
        assertEquals("enc-9", tokens.context().get("encounter").asText());
    }

    @Test
    void fhir_context_is_kept_as_a_json_array_of_objects() throws Exception {
        JsonNode fhirContext = parse(FULL).context().get("fhirContext");
        assertTrue(fhirContext.isArray());
        assertEquals(2, fhirContext.size());
        assertTrue(fhirContext.get(0).isObject());
        assertEquals("Appointment/1", fhirContext.get(0).get("reference").asText());
        assertEquals("Questionnaire", fhirContext.get(1).get("type").asText());
    }

    @Test
    void need_patient_banner_is_kept_as_a_boolean() throws Exception {
        JsonNode banner = parse(FULL).context().get("need_patient_banner");
        assertTrue(banner.isBoolean());
        assertTrue(banner.booleanValue());
    }

    @Test
    void unknown_vendor_member_is_kept_in_context() throws Exception {
        TokenResponse tokens = parse(FULL);
        assertEquals("t1", tokens.context().get("vendor_ext").get("tenant").asText());
        assertEquals("https://ehr/style.json", tokens.context().get("smart_style_url").asText());
    }

    @Test
    void token_members_are_not_in_context() throws Exception {
        TokenResponse tokens = parse(FULL.replace("\"patient\"", "\"refresh_expires_in\":60,\"patient\""));
        for (String member : new String[] { "access_token", "token_type", "expires_in", "refresh_token", "scope",
                "id_token", "refresh_expires_in" }) {
            assertFalse(tokens.context().has(member), member);
        }
        assertFalse(tokens.context().toString().contains(ACCESS));
        assertFalse(tokens.context().toString().contains(REFRESH));
        assertFalse(tokens.context().toString().contains(ID_TOKEN));
    }

    @ParameterizedTest
    @ValueSource(strings = { "bearer", "Bearer", "BEARER", "bEaReR" })
    void token_type_bearer_is_accepted_in_any_case(String type) throws Exception {
        assertEquals(type, parse("{\"access_token\":\"a\",\"token_type\":\"" + type + "\"}").tokenType());
    }

    @Test
    void expires_in_as_numeric_string_is_read() throws Exception {
        assertEquals(300L, parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"expires_in\":\" 300 \"}").expiresIn());
    }

    @Test
    void expires_in_absent_is_null() throws Exception {
        assertNull(parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\"}").expiresIn());
    }

    @Test
    void expires_in_not_a_number_is_null() throws Exception {
        assertNull(parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"expires_in\":\"soon\"}").expiresIn());
    }

    @Test
    void refresh_expires_in_is_read_as_number_or_numeric_string() throws Exception {
        assertEquals(1800L, parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"refresh_expires_in\":1800}")
                .refreshExpiresIn());
        assertEquals(60L, parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"refresh_expires_in\":\"60\"}")
                .refreshExpiresIn());
    }

    @Test
    void refresh_expires_in_absent_is_null() throws Exception {
        assertNull(parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\"}").refreshExpiresIn());
    }

    @Test
    void minimal_response_has_empty_context_and_no_optional_tokens() throws Exception {
        TokenResponse tokens = parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\"}");
        assertNull(tokens.refreshToken());
        assertNull(tokens.idToken());
        assertNull(tokens.scope());
        assertEquals(0, tokens.context().size());
    }

    @Test
    void missing_access_token_is_invalid_response() throws Exception {
        assertEquals(TokenEndpointException.Kind.INVALID_RESPONSE,
                invalid("{\"token_type\":\"Bearer\",\"expires_in\":3600}").kind());
    }

    @Test
    void empty_access_token_is_invalid_response() throws Exception {
        assertEquals(TokenEndpointException.Kind.INVALID_RESPONSE,
                invalid("{\"access_token\":\"\",\"token_type\":\"Bearer\"}").kind());
    }

    @Test
    void non_bearer_token_type_is_invalid_response() throws Exception {
        assertEquals(TokenEndpointException.Kind.INVALID_RESPONSE,
                invalid("{\"access_token\":\"a\",\"token_type\":\"DPoP\"}").kind());
    }

    @Test
    void missing_token_type_is_invalid_response() throws Exception {
        assertEquals(TokenEndpointException.Kind.INVALID_RESPONSE, invalid("{\"access_token\":\"a\"}").kind());
    }

    @ParameterizedTest
    @ValueSource(strings = { "[]", "\"token\"", "42", "null" })
    void non_object_is_invalid_response(String text) throws Exception {
        assertEquals(TokenEndpointException.Kind.INVALID_RESPONSE, invalid(text).kind());
    }

    @Test
    void null_json_is_invalid_response() {
        TokenEndpointException e = assertThrows(TokenEndpointException.class, () -> TokenResponse.parse(null));
        assertEquals(TokenEndpointException.Kind.INVALID_RESPONSE, e.kind());
    }

    @Test
    void invalid_response_does_not_end_the_session() throws Exception {
        assertFalse(invalid("{}").endsSession());
    }

    @Test
    void to_string_contains_no_token_value() throws Exception {
        String text = parse(FULL).toString();
        assertFalse(text.contains(ACCESS), text);
        assertFalse(text.contains(REFRESH), text);
        assertFalse(text.contains(ID_TOKEN), text);
        assertFalse(text.contains("IDT-distinctive"), text);
    }
}
