package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.smartbff.smart.DiscoveryException;
import org.smartbff.smart.SmartConfiguration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class SmartConfigurationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void absolute_endpoints_are_kept_as_given() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(json("""
                {"issuer":"https://as.example","authorization_endpoint":"https://as.example/authorize",
                 "token_endpoint":"https://as.example/token","jwks_uri":"https://as.example/jwks",
                 "revocation_endpoint":"https://as.example/revoke",
                 "code_challenge_methods_supported":["S256"],"capabilities":["launch-ehr","client-public"]}
                """), "https://ehr.example/fhir");
        assertEquals("https://as.example", config.issuer());
        assertEquals("https://as.example/authorize", config.authorizationEndpoint());
        assertEquals("https://as.example/token", config.tokenEndpoint());
        assertEquals("https://as.example/jwks", config.jwksUri());
        assertEquals("https://as.example/revoke", config.revocationEndpoint());
        assertEquals(List.of("launch-ehr", "client-public"), config.capabilities());
    }

    @Test
    void relative_endpoints_resolve_below_base_without_trailing_slash() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(
                json("{\"authorization_endpoint\":\"auth/authorize\",\"token_endpoint\":\"auth/token\"}"),
                "https://ehr.example/fhir");
        assertEquals("https://ehr.example/fhir/auth/authorize", config.authorizationEndpoint());
        assertEquals("https://ehr.example/fhir/auth/token", config.tokenEndpoint());
    }

    @Test
    void relative_endpoints_resolve_below_base_with_trailing_slash() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(
                json("{\"authorization_endpoint\":\"auth/authorize\",\"token_endpoint\":\"auth/token\"}"),
                "https://ehr.example/fhir/");
        assertEquals("https://ehr.example/fhir/auth/authorize", config.authorizationEndpoint());
        assertEquals("https://ehr.example/fhir/auth/token", config.tokenEndpoint());
    }

    @Test
    void root_relative_endpoints_resolve_against_the_base_host() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(
                json("{\"authorization_endpoint\":\"/oauth/authorize\",\"token_endpoint\":\"/oauth/token\"}"),
                "https://ehr.example/fhir");
        assertEquals("https://ehr.example/oauth/authorize", config.authorizationEndpoint());
        assertEquals("https://ehr.example/oauth/token", config.tokenEndpoint());
    }

    @Test
    void missing_token_endpoint_is_a_discovery_exception() throws Exception {
        JsonNode document = json("{\"authorization_endpoint\":\"https://as/authorize\"}");
        assertThrows(DiscoveryException.class, () -> SmartConfiguration.parse(document, "https://ehr.example/fhir"));
    }

    @Test
    void missing_authorization_endpoint_is_a_discovery_exception() throws Exception {
        JsonNode document = json("{\"token_endpoint\":\"https://as/token\"}");
        assertThrows(DiscoveryException.class, () -> SmartConfiguration.parse(document, "https://ehr.example/fhir"));
    }

    @Test
    void blank_or_non_text_token_endpoint_is_a_discovery_exception() throws Exception {
        JsonNode blank = json("{\"authorization_endpoint\":\"https://as/a\",\"token_endpoint\":\"  \"}");
        JsonNode number = json("{\"authorization_endpoint\":\"https://as/a\",\"token_endpoint\":42}");
        assertThrows(DiscoveryException.class, () -> SmartConfiguration.parse(blank, "https://ehr.example/fhir"));
        assertThrows(DiscoveryException.class, () -> SmartConfiguration.parse(number, "https://ehr.example/fhir"));
    }

    @Test
    void non_object_document_is_a_discovery_exception() throws Exception {
        JsonNode array = json("[]");
        assertThrows(DiscoveryException.class, () -> SmartConfiguration.parse(array, "https://ehr.example/fhir"));
        assertThrows(DiscoveryException.class, () -> SmartConfiguration.parse(null, "https://ehr.example/fhir"));
    }

    @Test
    void optional_members_absent_are_null_or_empty() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(
                json("{\"authorization_endpoint\":\"https://as/a\",\"token_endpoint\":\"https://as/t\"}"),
                "https://ehr.example/fhir");
        assertNull(config.issuer());
        assertNull(config.jwksUri());
        assertNull(config.revocationEndpoint());
        assertTrue(config.codeChallengeMethodsSupported().isEmpty());
        assertTrue(config.capabilities().isEmpty());
    }

    @Test
    void supports_s256_when_listed() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(json("""
                {"authorization_endpoint":"https://as/a","token_endpoint":"https://as/t",
                 "code_challenge_methods_supported":["plain","S256"]}"""), "https://ehr.example/fhir");
        assertTrue(config.supportsS256());
    }

    @Test
    void does_not_support_s256_when_only_plain_is_listed() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(json("""
                {"authorization_endpoint":"https://as/a","token_endpoint":"https://as/t",
                 "code_challenge_methods_supported":["plain"]}"""), "https://ehr.example/fhir");
        assertFalse(config.supportsS256());
    }

    @Test
    void does_not_support_s256_when_methods_are_absent() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(
                json("{\"authorization_endpoint\":\"https://as/a\",\"token_endpoint\":\"https://as/t\"}"),
                "https://ehr.example/fhir");
        assertFalse(config.supportsS256());
    }

    @Test
    void s256_is_matched_case_sensitively() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(json("""
                {"authorization_endpoint":"https://as/a","token_endpoint":"https://as/t",
                 "code_challenge_methods_supported":["s256"]}"""), "https://ehr.example/fhir");
        assertFalse(config.supportsS256());
    }

    @Test
    void well_known_document_is_marked_as_such() throws Exception {
        SmartConfiguration config = SmartConfiguration.parse(
                json("{\"authorization_endpoint\":\"https://as/a\",\"token_endpoint\":\"https://as/t\"}"),
                "https://ehr.example/fhir");
        assertEquals(SmartConfiguration.Source.WELL_KNOWN, config.source());
    }

    private static final String CAPABILITY_STATEMENT = """
            {"resourceType":"CapabilityStatement","rest":[{"mode":"server","security":{"extension":[
              {"url":"http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris","extension":[
                {"url":"authorize","valueUri":"https://as.example/authorize"},
                {"url":"token","valueUri":"auth/token"},
                {"url":"revoke","valueUri":"https://as.example/revoke"},
                {"url":"register","valueUri":"https://as.example/register"}]}]}}]}
            """;

    @Test
    void capability_statement_oauth_uris_give_the_endpoints() throws Exception {
        SmartConfiguration config = SmartConfiguration.fromCapabilityStatement(json(CAPABILITY_STATEMENT),
                "https://ehr.example/fhir");
        assertEquals("https://as.example/authorize", config.authorizationEndpoint());
        assertEquals("https://ehr.example/fhir/auth/token", config.tokenEndpoint());
        assertEquals("https://as.example/revoke", config.revocationEndpoint());
        assertEquals(SmartConfiguration.Source.CAPABILITY_STATEMENT, config.source());
    }

    @Test
    void capability_statement_endpoints_are_assumed_to_take_s256() throws Exception {
        assertTrue(SmartConfiguration.fromCapabilityStatement(json(CAPABILITY_STATEMENT), "https://ehr.example/fhir")
                .supportsS256());
    }

    @Test
    void capability_statement_without_oauth_uris_is_a_discovery_exception() throws Exception {
        JsonNode statement = json("{\"resourceType\":\"CapabilityStatement\",\"rest\":[{\"mode\":\"server\"}]}");
        assertThrows(DiscoveryException.class,
                () -> SmartConfiguration.fromCapabilityStatement(statement, "https://ehr.example/fhir"));
    }

    @Test
    void other_resource_than_a_capability_statement_is_a_discovery_exception() throws Exception {
        JsonNode outcome = json("{\"resourceType\":\"OperationOutcome\"}");
        assertThrows(DiscoveryException.class,
                () -> SmartConfiguration.fromCapabilityStatement(outcome, "https://ehr.example/fhir"));
    }
}
