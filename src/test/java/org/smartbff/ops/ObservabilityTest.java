package org.smartbff.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.observe.Audit;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.LogCapture;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** Metrics a platform team alerts on, and the audit trail that answers "who looked at this patient's record?". */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class ObservabilityTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.ManagementPort
    int managementPort;

    @Inject
    MutableClock clock;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    @Test
    void proxied_calls_refreshes_and_rejections_are_counted_with_bounded_labels() {
        String cookie = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(200);
        clock.advance(Duration.ofHours(2));
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").get("/fhir/Patient/" + fake.patientId())
                .then().statusCode(200);
        given().cookie(SessionCookies.SESSION, cookie).get("/fhir/Patient/" + fake.patientId()).then().statusCode(403);

        String metrics = management().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("smart_bff_proxy_requests_seconds_bucket{"), metrics);
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("smart_bff_proxy_requests_seconds_count{")
                && line.contains("method=\"GET\"") && line.contains("resource_type=\"Patient\"")
                && line.contains("status_class=\"2xx\"")));
        assertTrue(metrics.contains("smart_bff_upstream_requests_seconds_bucket{"));
        assertTrue(metrics.lines()
                .anyMatch(line -> line.startsWith("smart_bff_refreshes_total{") && line.contains("outcome=\"ok\"")));
        assertTrue(metrics.lines()
                .anyMatch(line -> line.startsWith("smart_bff_proxy_rejections_total{") && line.contains("reason=\"csrf\"")));
        assertTrue(metrics.lines()
                .anyMatch(line -> line.startsWith("smart_bff_callbacks_total{") && line.contains("outcome=\"session\"")));
        assertTrue(metrics.lines()
                .anyMatch(line -> line.startsWith("smart_bff_launches_total{") && line.contains("kind=\"standalone\"")));
        assertFalse(metrics.contains(fake.patientId()),
                () -> "no ids in labels: " + metrics.lines().filter(l -> l.contains(fake.patientId())).limit(3).toList());
    }

    @Test
    void a_request_for_an_unknown_type_does_not_grow_the_label_space() {
        String cookie = BrowserLogin.login();
        given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").get("/fhir/Zzz" + System.nanoTime() + "/1");
        String metrics = management().get("/q/metrics").then().extract().asString();
        assertFalse(metrics.contains("resource_type=\"Zzz"));
        assertTrue(metrics.contains("resource_type=\"other\""));
    }

    @Test
    void login_proxied_calls_refresh_and_logout_leave_audit_events_without_secrets() {
        List<String> lines;
        String cookie;
        try (LogCapture logs = LogCapture.install()) {
            cookie = BrowserLogin.login();
            given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").get("/fhir/Patient/" + fake.patientId())
                    .then().statusCode(200);
            clock.advance(Duration.ofHours(2));
            given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1")
                    .get("/fhir/Observation?patient=" + fake.patientId()).then().statusCode(200);
            given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1").post("/auth/logout").then().statusCode(204);
            lines = logs.lines().stream().filter(line -> line.startsWith(Audit.CATEGORY + " ")).toList();
        }
        String login = single(lines, "event=login ");
        assertTrue(login.matches(".* session=[0-9a-f]{12} .*"), login);
        assertTrue(login.contains(" server=fake"), login);
        assertTrue(login.contains(" fhir_user=Practitioner/123"), login);
        assertTrue(login.contains(" patient=" + fake.patientId()), login);

        List<String> reads = lines.stream().filter(line -> line.contains("event=fhir ")).toList();
        assertEquals(2, reads.size(), lines.toString());
        assertTrue(reads.get(0).contains(" method=GET") && reads.get(0).contains(" resource_type=Patient")
                && reads.get(0).contains(" resource_id=" + fake.patientId()) && reads.get(0).contains(" status=200")
                && reads.get(0).contains(" fhir_user=Practitioner/123")
                && reads.get(0).contains(" patient=" + fake.patientId()),
                reads.get(0));
        assertTrue(reads.get(1).contains(" resource_type=Observation"), reads.get(1));
        single(lines, "event=refresh ");
        single(lines, "event=logout ");

        Set<String> secrets = new HashSet<>(fake.issuedAccessTokens());
        secrets.addAll(fake.issuedRefreshTokens());
        secrets.add(cookie);
        for (String line : lines) {
            for (String secret : secrets) {
                assertFalse(line.contains(secret), line);
            }
        }
    }

    @Test
    void every_proxied_call_leaves_exactly_one_complete_audit_event_also_when_they_come_at_once() throws Exception {
        String cookie = BrowserLogin.login();
        String patient = "/fhir/Patient/" + fake.patientId();
        HttpClient client = HttpClient.newHttpClient();
        URI base = URI.create("http://localhost:" + RestAssured.port);
        List<HttpRequest> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(HttpRequest.newBuilder(base.resolve(patient))
                    .header("Cookie", SessionCookies.SESSION + "=" + cookie).header("X-CSRF", "1").build());
        }
        for (int i = 0; i < 10; i++) {
            calls.add(HttpRequest.newBuilder(base.resolve(patient))
                    .header("Cookie", SessionCookies.SESSION + "=" + cookie).build());
            calls.add(HttpRequest.newBuilder(base.resolve(patient)).header("X-CSRF", "1").build());
        }
        List<String> lines;
        try (LogCapture logs = LogCapture.install()) {
            List<CompletableFuture<HttpResponse<Void>>> sent = calls.stream()
                    .map(call -> client.sendAsync(call, HttpResponse.BodyHandlers.discarding())).toList();
            for (var response : sent) {
                response.get(60, TimeUnit.SECONDS);
            }
            lines = logs.lines().stream().filter(line -> line.startsWith(Audit.CATEGORY + " ") && line.contains("event=fhir "))
                    .toList();
        }
        assertEquals(50, lines.size(), lines.toString());
        List<String> read = lines.stream().filter(line -> line.contains(" status=200")).toList();
        assertEquals(30, read.size(), lines.toString());
        for (String line : read) {
            for (String field : List.of(" method=GET", " resource_type=Patient", " resource_id=" + fake.patientId(),
                    " server=fake", " fhir_user=Practitioner/123", " patient=" + fake.patientId())) {
                assertTrue(line.contains(field), field + " in " + line);
            }
            assertTrue(line.matches(".* session=[0-9a-f]{12}( .*|$)"), line);
        }
        assertEquals(10, lines.stream().filter(line -> line.contains(" status=403")).count(), lines.toString());
        assertEquals(10, lines.stream().filter(line -> line.contains(" status=401")).count(), lines.toString());
        String metrics = management().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("smart_bff_audit_dropped_total") && line.endsWith(" 0.0")),
                "nothing dropped, and the metric is there to say so");
    }

    private static String single(List<String> lines, String marker) {
        List<String> found = lines.stream().filter(line -> line.contains(marker)).toList();
        assertEquals(1, found.size(), marker + " in " + lines);
        return found.get(0);
    }

    /** Health and metrics are served on the management interface, not on the port the browser reaches. */
    private RequestSpecification management() {
        return given().port(managementPort);
    }
}
