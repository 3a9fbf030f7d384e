package org.smartbff.proxy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every FHIR REST interaction through /fhir, against the fake's echo: what arrived upstream (method, path, query,
 * headers, body) and what the browser got back. The session has {@code user/*.cruds}, so scopes allow all of them.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class ProxyInteractionsTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    private String cookie;

    @BeforeEach
    void login() {
        fake.reset();
        cookie = BrowserLogin.login("fake-user");
    }

    static Stream<Arguments> interactions() {
        String patch = "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"final\"}]";
        String fhirPatch = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":[{\"name\":\"type\",\"valueCode\":\"delete\"},{\"name\":\"path\",\"valueString\":\"Observation.note\"}]}]}";
        String observation = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}";
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1\"}},"
                + "{\"resource\":" + observation + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
        String transaction = batch.replace("\"batch\"", "\"transaction\"");
        return Stream.of(
                // name, method, path, query, content type, extra headers, body
                Arguments.of("read", "GET", "Patient/123", "_fake=echo", null, Map.of(), null),
                Arguments.of("vread", "GET", "Patient/123/_history/2", "_fake=echo", null, Map.of(), null),
                Arguments.of("search", "GET", "Observation", "code=http%3A%2F%2Floinc.org%7C8867-4&_count=5&_fake=echo", null,
                        Map.of(), null),
                Arguments.of("search by POST", "POST", "Observation/_search", "_fake=echo", "application/x-www-form-urlencoded",
                        Map.of(), "code=8867-4&_count=5"),
                Arguments.of("instance history", "GET", "Patient/123/_history", "_fake=echo", null, Map.of(), null),
                Arguments.of("type history", "GET", "Patient/_history", "_since=2024-01-01&_fake=echo", null, Map.of(), null),
                Arguments.of("system history", "GET", "_history", "_fake=echo", null, Map.of(), null),
                Arguments.of("create", "POST", "Observation", "_fake=echo", "application/fhir+json",
                        Map.of("Prefer", "return=representation"), observation),
                Arguments.of("conditional create", "POST", "Observation", "_fake=echo", "application/fhir+json",
                        Map.of("If-None-Exist", "identifier=urn:x|1"), observation),
                Arguments.of("update", "PUT", "Observation/1", "_fake=echo", "application/fhir+json",
                        Map.of("If-Match", "W/\"3\""), observation),
                Arguments.of("conditional update", "PUT", "Observation", "identifier=urn:x%7C1&_fake=echo",
                        "application/fhir+json", Map.of(), observation),
                Arguments.of("JSON patch", "PATCH", "Observation/1", "_fake=echo", "application/json-patch+json",
                        Map.of("If-Match", "W/\"3\""), patch),
                Arguments.of("FHIR patch", "PATCH", "Observation/1", "_fake=echo", "application/fhir+json", Map.of(),
                        fhirPatch),
                Arguments.of("delete", "DELETE", "Observation/1", "_fake=echo", null, Map.of(), null),
                Arguments.of("conditional delete", "DELETE", "Observation", "identifier=urn:x%7C1&_fake=echo", null, Map.of(),
                        null),
                Arguments.of("batch", "POST", "", "_fake=echo", "application/fhir+json", Map.of(), batch),
                Arguments.of("transaction", "POST", "", "_fake=echo", "application/fhir+json",
                        Map.of("Prefer", "return=minimal"), transaction),
                Arguments.of("instance operation", "GET", "Patient/123/$everything", "_fake=echo", null, Map.of(), null),
                Arguments.of("type operation", "POST", "Observation/$validate", "_fake=echo", "application/fhir+json", Map.of(),
                        observation),
                Arguments.of("system operation", "GET", "$meta", "_fake=echo", null, Map.of(), null),
                Arguments.of("conditional read", "GET", "Patient/123", "_fake=echo", null,
                        Map.of("If-Modified-Since", "Sat, 01 Jan 2022 00:00:00 GMT"), null));
    }

    @Test
    void the_capability_statement_needs_no_scope() {
        given().cookie(SessionCookies.SESSION, BrowserLogin.login()).header("X-CSRF", "1").when().get("/fhir/metadata")
                .then().statusCode(200).body("resourceType", Matchers.equalTo("CapabilityStatement"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("interactions")
    void every_interaction_reaches_the_fhir_server_as_sent(String name, String method, String path, String query,
            String contentType, Map<String, String> headers, String body) {
        RequestSpecification request = given().redirects().follow(false).urlEncodingEnabled(false)
                .cookie(SessionCookies.SESSION, cookie)
                .header("X-CSRF", "1")
                .header("Accept", "application/fhir+json")
                .header("Authorization", "Bearer from-the-browser")
                .header("X-Forwarded-Host", "evil.example")
                .headers(headers);
        if (contentType != null) {
            request.contentType(contentType);
        }
        if (body != null) {
            request.body(body);
        }
        String url = "/fhir" + (path.isEmpty() ? "" : "/" + path) + "?" + query;
        Response response = request.when().request(method, url);
        assertEquals(200, response.statusCode(), () -> name + ": " + response.asString());

        JsonPath echo = response.jsonPath();
        assertEquals(method, echo.getString("method"), name);
        assertEquals("/fhir" + (path.isEmpty() ? "" : "/" + path), echo.getString("path"), name);
        assertEquals(query, echo.getString("query"), name);
        Map<String, String> upstreamHeaders = echo.getMap("headers");
        assertTrue(fake.issuedAccessTokens().contains(upstreamHeaders.get("authorization").substring("Bearer ".length())),
                name + ": the session's bearer token, not the browser's");
        assertNull(upstreamHeaders.get("cookie"), name);
        assertNull(upstreamHeaders.get("x-csrf"), name);
        assertNull(upstreamHeaders.get("x-forwarded-host"), name);
        assertEquals("application/fhir+json", upstreamHeaders.get("accept"), name);
        headers.forEach((header, value) -> assertEquals(value, upstreamHeaders.get(header.toLowerCase()), name + " " + header));
        if (contentType != null) {
            assertTrue(upstreamHeaders.get("content-type").startsWith(contentType), name);
        }
        assertEquals(body == null ? "" : body, echo.getString("body"), name);
    }
}
