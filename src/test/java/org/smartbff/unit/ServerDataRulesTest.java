package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.smart.FhirReferences;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.ServerDataRules;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

class ServerDataRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode context(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String refusedMember(String json) {
        return assertThrows(ServerDataException.class, () -> ServerDataRules.checkContext(context(json))).member();
    }

    @ParameterizedTest
    @ValueSource(strings = { "Practitioner/123", "Patient/e4531916-b162-4f4b-90c2-ce37e132b8d4", "RelatedPerson/a.b",
            "Person/1", "https://ehr.example/fhir/Practitioner/123", "http://ehr.example:8080/r4/Patient/p-1",
            "HTTPS://EHR.example/Practitioner/1" })
    void fhir_user_references_to_people_are_accepted(String fhirUser) {
        assertTrue(FhirReferences.isFhirUser(fhirUser), fhirUser);
    }

    @ParameterizedTest
    @ValueSource(strings = { "javascript:alert(document.cookie)//Practitioner/1", "Observation/1", "Practitioner/",
            "Practitioner/../../x", "../Practitioner/1", "Practitioner/1/_history/2", "data:text/html,Patient/1",
            "https://user@ehr.example/Practitioner/1", "https://ehr.example/Practitioner/1?x=1",
            "https://ehr.example/Practitioner/1#x", "ftp://ehr.example/Practitioner/1", "//ehr.example/Practitioner/1",
            "https:///Practitioner/1", "Practitioner/1 ",
            "Practitioner/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "https://ehr.example/Practitioner/é" })
    void other_fhir_users_are_refused(String fhirUser) {
        assertFalse(FhirReferences.isFhirUser(fhirUser), fhirUser);
    }

    @Test
    void the_examples_of_the_issue_are_refused_by_member() {
        assertEquals("patient", refusedMember("{\"patient\":\"../../Practitioner/x\"}"));
        assertEquals("encounter", refusedMember("{\"encounter\":12}"));
        assertEquals("fhirContext", refusedMember("{\"fhirContext\":[{\"reference\":\"Encounter/1/../2\"}]}"));
        assertEquals("fhirContext", refusedMember("{\"fhirContext\":[{\"type\":\"Encounter\"}]}"));
        assertEquals("fhirContext", refusedMember("{\"fhirContext\":{\"reference\":\"Encounter/1\"}}"));
        assertEquals("smart_style_url", refusedMember("{\"smart_style_url\":\"javascript:alert(1)\"}"));
        assertEquals("need_patient_banner", refusedMember("{\"need_patient_banner\":\"true\"}"));
        assertEquals("tenant", refusedMember("{\"tenant\":\"\"}"));
        assertEquals("context", refusedMember("{\"x\":\"" + "y".repeat(ServerDataRules.MAX_CONTEXT_LENGTH) + "\"}"));
    }

    @Test
    void a_smart_launch_context_is_accepted() {
        assertDoesNotThrow(() -> ServerDataRules.checkContext(context("""
                {"patient":"123","encounter":null,"need_patient_banner":false,"smart_style_url":"https://ehr.example/s.json",
                 "tenant":"t-1","intent":"reconcile-medications","fhirContext":["Encounter/e1",
                 {"reference":"ImagingStudy/i.1","role":"https://example.org/role"},
                 {"canonical":"https://example.org/Questionnaire/q|2"},{"identifier":{"value":"x"},"type":"Task"}],
                 "x_vendor":{"a":[1,2]}}
                """)));
    }

    @Test
    void identity_claims_are_bounded() {
        assertDoesNotThrow(() -> ServerDataRules.checkIdentity(new IdTokenClaims("https://as", "s", "Patient/1", "Zoë")));
        assertEquals("sub", assertThrows(ServerDataException.class,
                () -> ServerDataRules.checkIdentity(new IdTokenClaims("https://as", null, null, null))).member());
        assertEquals("name", assertThrows(ServerDataException.class,
                () -> ServerDataRules.checkIdentity(new IdTokenClaims("https://as", "s", null, "a\nb"))).member());
        assertEquals("name", assertThrows(ServerDataException.class,
                () -> ServerDataRules.checkIdentity(new IdTokenClaims("https://as", "s", null, "n".repeat(257)))).member());
    }

    @Test
    void the_message_never_quotes_the_value() {
        ServerDataException refused = assertThrows(ServerDataException.class,
                () -> ServerDataRules.checkContext(context("{\"patient\":\"<secret-value>\"}")));
        assertFalse(refused.getMessage().contains("secret-value"), refused.getMessage());
    }
}
