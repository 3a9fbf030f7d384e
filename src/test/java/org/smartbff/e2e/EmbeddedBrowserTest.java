package org.smartbff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.EmbeddedProfile;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The app inside an EHR's iframe, in a real browser. The EHR page is served from {@code http://127.0.0.1} and the app
 * from {@code http://localhost}: two sites, so the frame is cross-site and only the {@code embedded} cookie mode
 * ({@code SameSite=None; Secure; Partitioned}) lets the launch and the calls carry their cookies. The same page served
 * from an origin the configuration does not list is refused by {@code frame-ancestors}.
 */
@QuarkusTest
@TestProfile(EmbeddedProfile.class)
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class EmbeddedBrowserTest {

    @SmartTestResource.PublicUrl
    String publicUrl;

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    private static Chromium chromium;
    private static ChromeDriver driver;
    /** The trusted EHR's page, at the origin the configuration lists. */
    private static HttpServer ehr;
    /** The same page at an origin nobody listed. */
    private static HttpServer stranger;

    @BeforeAll
    static void start() throws IOException {
        chromium = Chromium.start("chromedriver-embedded", List.of());
        driver = chromium.driver;
        ehr = ehrPage(EmbeddedProfile.EHR_PORT);
        stranger = ehrPage(0);
    }

    @AfterAll
    static void stop() throws IOException {
        if (ehr != null) {
            ehr.stop(0);
            stranger.stop(0);
        }
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void fresh() {
        fake.reset();
        clock.reset();
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        driver.switchTo().defaultContent();
    }

    /**
     * An EHR page that frames {@code ?app=<url>} and notes when the frame has loaded, as an EHR frames a SMART app
     * with its launch URL.
     */
    private static HttpServer ehrPage(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/ehr", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            String app = URLDecoder.decode(query.substring("app=".length()), StandardCharsets.UTF_8);
            String html = "<!doctype html><html><head><title>EHR</title></head><body><h1>EHR</h1>"
                    + "<iframe id=\"app\" name=\"app\" width=\"1200\" height=\"900\" src=\""
                    + app.replace("&", "&amp;").replace("\"", "&quot;") + "\" onload=\"window.frameLoads = "
                    + "(window.frameLoads || 0) + 1\"></iframe></body></html>";
            byte[] body = html.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private String launchUrl(String patient) {
        return publicUrl + "/?iss=" + URLEncoder.encode(fake.fhirBase(), StandardCharsets.UTF_8) + "&launch="
                + fake.issueLaunchId(patient, null);
    }

    private static String ehrUrl(HttpServer server, String app) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/ehr?app="
                + URLEncoder.encode(app, StandardCharsets.UTF_8);
    }

    @Test
    @SuppressWarnings("unchecked")
    void an_ehr_launch_inside_the_ehrs_frame_gets_a_session_fhir_calls_and_a_refresh() {
        driver.get(ehrUrl(ehr, launchUrl("patient-e")));
        chromium.waitFor().until(ExpectedConditions.frameToBeAvailableAndSwitchToIt(By.id("app")));
        chromium.waitFor().until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Patient record loaded"));
        assertEquals("patient-e", driver.findElement(By.id("context-patient")).getText());
        assertEquals(1, fake.requests().stream().filter(r -> r.path().equals("/oauth/authorize")).count());

        // The session cookie lives in the EHR site's partition, SameSite=None.
        Map<String, Object> all = driver.executeCdpCommand("Network.getAllCookies", Map.of());
        Map<String, Object> session = ((List<Map<String, Object>>) all.get("cookies")).stream()
                .filter(c -> SessionCookies.SESSION.equals(c.get("name"))).findFirst().orElseThrow();
        assertEquals("None", session.get("sameSite"));
        assertEquals(Boolean.TRUE, session.get("secure"));
        assertTrue(String.valueOf(session.get("partitionKey")).contains("127.0.0.1"), "partitioned: " + session);

        // FHIR calls from inside the frame, before and after the access token expires (one refresh).
        assertEquals("Bundle", fhirFromTheFrame());
        clock.advance(Duration.ofHours(2));
        assertEquals("Bundle", fhirFromTheFrame());
        assertEquals(1, fake.refreshGrants());

        // A state-changing call from the frame carries the app's own Origin: logout works.
        driver.findElement(By.id("logout-button")).click();
        chromium.waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
    }

    @SuppressWarnings("unchecked")
    private String fhirFromTheFrame() {
        Map<String, Object> result = (Map<String, Object>) driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/smart-bff/smart-bff.js').then(async (bff) => {
                  const bundle = await bff.fhir('Observation?patient=patient-e');
                  done({ type: bundle.resourceType });
                }).catch((e) => done({ failure: String(e) }));
                """);
        assertNull(result.get("failure"));
        return (String) result.get("type");
    }

    @Test
    void an_origin_the_configuration_does_not_list_cannot_frame_the_app() {
        driver.get(ehrUrl(stranger, launchUrl("patient-x")));
        chromium.waitFor().until(d -> Long.valueOf(1).equals(driver.executeScript("return window.frameLoads || 0")));
        driver.switchTo().frame("app");
        assertTrue(driver.findElements(By.id("status")).isEmpty(), "the app did not render in the frame");
        driver.switchTo().defaultContent();
        assertEquals(0, fake.requests().stream().filter(r -> r.path().equals("/oauth/authorize")).count(),
                "the refused page never started the launch");
    }
}
