package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.smartbff.proxy.OperationOutcomes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class OperationOutcomesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode outcome(String issueType, String code, String text) throws Exception {
        return JSON.readTree(OperationOutcomes.of(issueType, code, text));
    }

    @Test
    void is_an_operation_outcome_resource() throws Exception {
        assertEquals("OperationOutcome", outcome("login", "no_session", "Log in first.").get("resourceType").asText());
    }

    @Test
    void has_one_issue_of_severity_error_with_the_issue_type() throws Exception {
        JsonNode issues = outcome("login", "no_session", "Log in first.").get("issue");
        assertTrue(issues.isArray());
        assertEquals(1, issues.size());
        assertEquals("error", issues.get(0).get("severity").asText());
        assertEquals("login", issues.get(0).get("code").asText());
    }

    @Test
    void details_coding_carries_the_smart_bff_system_and_code() throws Exception {
        JsonNode coding = outcome("security", "session_expired", "x").at("/issue/0/details/coding/0");
        assertEquals("urn:smart-bff:error", coding.get("system").asText());
        assertEquals(OperationOutcomes.SYSTEM, coding.get("system").asText());
        assertEquals("session_expired", coding.get("code").asText());
    }

    @Test
    void text_is_in_details_and_diagnostics() throws Exception {
        JsonNode issue = outcome("invalid", "invalid_path", "This path cannot be forwarded.").at("/issue/0");
        assertEquals("This path cannot be forwarded.", issue.at("/details/text").asText());
        assertEquals("This path cannot be forwarded.", issue.get("diagnostics").asText());
    }

    @Test
    void quotes_and_control_characters_in_text_still_give_valid_json() throws Exception {
        String text = "a \"quoted\" </script> \\ \n line";
        assertEquals(text, outcome("exception", "x", text).at("/issue/0/diagnostics").asText());
    }

    @Test
    void content_type_is_fhir_json() {
        assertTrue(OperationOutcomes.CONTENT_TYPE.startsWith("application/fhir+json"));
    }
}
