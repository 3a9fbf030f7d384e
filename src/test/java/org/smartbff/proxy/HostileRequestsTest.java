package org.smartbff.proxy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Paths, queries and headers meant to leave the FHIR base, reach another host, or smuggle credentials: each is refused
 * (400, 403 or 404) and the FHIR server sees nothing. Sent raw (no client-side encoding or normalisation).
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class HostileRequestsTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    private String cookie;

    @BeforeEach
    void login() {
        fake.reset();
        // Patient-scoped (patient/*.rs), as most apps are.
        cookie = BrowserLogin.login();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            // traversal and its encodings
            "/fhir/../oauth/token", "/fhir/Patient/../../oauth/token", "/fhir/%2e%2e/oauth/token",
            "/fhir/%2E%2E/oauth/token", "/fhir/.%2e/oauth/token", "/fhir/%2e./oauth/token",
            "/fhir/Patient/%2e%2e%2f%2e%2e%2foauth",
            "/fhir/Patient%2F..%2F..%2Foauth", "/fhir/Patient%2f123", "/fhir/Patient/..;/..;/oauth",
            "/fhir/..;/oauth/token", "/fhir/Patient;jsessionid=1/123", "/fhir/Patient/%252e%252e/x",
            "/fhir/%5c..%5coauth", "/fhir/Patient/%5C..%5Coauth", "/fhir/Patient/%00", "/fhir/Patient/%zz",
            "/fhir/Patient/%", "/fhir/./Patient/123", "/fhir/Patient/./123",
            // absolute and protocol-relative URLs, other hosts
            "/fhir/http://evil.example/x", "/fhir/https:%2F%2Fevil.example", "/fhir/%2F%2Fevil.example/x",
            "/fhir/@evil.example", "/fhir/Patient@evil.example/1",
            // not FHIR: refused by shape
            "/fhir/oauth/token", "/fhir/admin", "/fhir/.well-known/../../oauth/token", "/fhir/Patient/1/2/3/4/5/6",
            "/fhir/patient/123", "/fhir/Patient/$everything/$everything",
            // outside the granted scopes (patient/*.rs: no writes, no other patients)
            "/fhir/Patient/other-patient", "/fhir/Observation?patient=other-patient",
            "/fhir/Observation?subject=Patient/other-patient", "/fhir/Observation",
            "/fhir/Observation?patient=" + "e4531916-b162-4f4b-90c2-ce37e132b8d4,other-patient", "/fhir/Patient",
            "/fhir/Patient?name=smith", "/fhir/_history", "/fhir/Patient/other-patient/$everything",
            "/fhir/Observation?_include=Observation:subject&patient=other", "/fhir/$export",
            "/fhir/Patient/other-patient/Observation", "/fhir/Observation?patient:missing=true" })
    void a_hostile_path_or_query_is_refused_and_never_forwarded(String path) throws IOException {
        String answer = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nCookie: " + SessionCookies.SESSION + "="
                + cookie + "\r\nX-CSRF: 1\r\nConnection: close\r\n\r\n");
        int status = Integer.parseInt(answer.substring(9, 12));
        assertTrue(status == 400 || status == 403 || status == 404, path + " answered " + status);
        assertTrue(fake.fhirRequests().stream().noneMatch(r -> !r.path().contains("/.well-known/")),
                path + " reached the FHIR server: " + fake.fhirRequests());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "DELETE /fhir/Patient/e4531916-b162-4f4b-90c2-ce37e132b8d4",
            "PUT /fhir/Patient/e4531916-b162-4f4b-90c2-ce37e132b8d4", "POST /fhir/Observation",
            "PATCH /fhir/Observation/1", "POST /fhir/Patient/e4531916-b162-4f4b-90c2-ce37e132b8d4/$meta-add" })
    void writes_with_read_only_scopes_are_refused(String request) {
        String[] parts = request.split(" ");
        int status = given().redirects().follow(false).urlEncodingEnabled(false)
                .cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").contentType("application/fhir+json")
                .body("{\"resourceType\":\"Observation\"}")
                .when().request(parts[0], parts[1]).statusCode();
        assertTrue(status == 403, request + " answered " + status);
        assertTrue(fake.fhirRequests().stream().noneMatch(r -> !r.path().contains("/.well-known/")));
    }

    @Test
    void a_batch_with_one_forbidden_entry_is_refused_whole() {
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/e4531916-b162-4f4b-90c2-ce37e132b8d4\"}},"
                + "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/e4531916-b162-4f4b-90c2-ce37e132b8d4\"}}]}";
        int status = given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").contentType("application/fhir+json")
                .body(bundle).when().post("/fhir").statusCode();
        assertTrue(status == 403, "answered " + status);
        assertTrue(fake.fhirRequests().stream().noneMatch(r -> !r.path().contains("/.well-known/")));
    }

    @Test
    void header_injection_through_a_raw_request_line_does_not_reach_the_fhir_server() throws IOException {
        // CR LF smuggled in the path and in a header value; sent on a raw socket, since HTTP clients refuse to.
        String request = "GET /fhir/Patient/x%0d%0aHost:%20evil.example HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "Cookie: " + SessionCookies.SESSION + "=" + cookie + "\r\n"
                + "X-CSRF: 1\r\n"
                + "Accept: application/fhir+json\r\n X-Injected: folded\r\n"
                + "Connection: close\r\n\r\n";
        String answer = raw(request);
        assertTrue(answer.startsWith("HTTP/1.1 4"), answer);
        assertTrue(fake.fhirRequests().stream().noneMatch(r -> !r.path().contains("/.well-known/")),
                fake.fhirRequests().toString());
    }

    /** Sends bytes as they are, no client-side encoding or normalisation; returns the whole answer. */
    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
