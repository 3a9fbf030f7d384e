package org.smartbff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.smartbff.session.SessionCookies;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The demo SPA in a real browser: Debian's Chromium, driven by Debian's chromedriver through Selenium, against the BFF
 * and the fake SMART server over real HTTP. It logs in (standalone and EHR launch), reads the record through the
 * proxy, pages through a search by the Bundle's rewritten {@code next} link, logs out, and proves that no token
 * reached the browser.
 *
 * <p>
 * What the browser received is read from Chrome's performance log (the DevTools {@code Network.*} events that
 * chromedriver records when {@code goog:loggingPrefs} asks for them) and, for each response, {@code
 * Network.getResponseBody} through chromedriver's CDP endpoint ({@link ChromeDriver#executeCdpCommand}). That needs no
 * {@code selenium-devtools-vNNN} jar matched to the browser version, and it sees every response of the page, the
 * HTML, the scripts, each {@code fetch} and the redirects of the login, with their headers.
 *
 * <p>
 * Nothing is downloaded: the browser and the driver are given by path, so Selenium Manager has nothing to find.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class BrowserEndToEndTest {

    /** A JWT (an id token, or an access token of a server that issues JWTs) in any text. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.");

    @SmartTestResource.PublicUrl
    String publicUrl;

    @SmartTestResource.Fake
    FakeSmartServer fake;

    private static Chromium chromium;
    private static ChromeDriver driver;
    private static NetworkLog network;

    @BeforeAll
    static void startBrowser() throws IOException {
        chromium = Chromium.start("chromedriver", List.of(), options -> {
            LoggingPreferences logging = new LoggingPreferences();
            logging.enable(LogType.PERFORMANCE, Level.ALL);
            options.setCapability("goog:loggingPrefs", logging);
        });
        driver = chromium.driver;
        network = new NetworkLog(driver);
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
        chromium = null;
        driver = null;
    }

    @BeforeEach
    void freshBrowserState() {
        fake.reset();
        // Cookies of every site (the BFF's session and launch binding), and what earlier tests left in the log.
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        network.clear();
    }

    @Test
    void log_in_read_the_record_page_through_a_search_and_log_out_without_a_token_ever_in_the_browser()
            throws IOException {
        driver.get(publicUrl + "/");
        WebElement loginButton = waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
        assertEquals("You are not signed in.", driver.findElement(By.id("status")).getText());

        // Log in: /auth/login -> the fake's /oauth/authorize -> /auth/callback -> back to the app at "/".
        loginButton.click();
        waitFor().until(ExpectedConditions.textToBe(By.id("status"), "Patient record loaded."));
        assertEquals(publicUrl + "/", driver.getCurrentUrl());
        assertTrue(driver.findElement(By.id("patient-banner")).isDisplayed());
        assertEquals(samplePatientName(), driver.findElement(By.id("patient-name")).getText());
        assertEquals("Male", driver.findElement(By.id("patient-gender")).getText());
        assertTrue(driver.findElement(By.id("patient-birth-date")).getText().contains("1988"));
        assertEquals("Dr. Test Example", driver.findElement(By.id("user-name")).getText());
        assertFalse(driver.findElement(By.id("errors")).isDisplayed(),
                () -> "errors shown: " + driver.findElement(By.id("errors")).getText());

        List<WebElement> firstPage = waitFor().until(
                ExpectedConditions.numberOfElementsToBe(By.cssSelector("#observations-table tbody tr"), 10));
        assertTrue(driver.findElement(By.id("vitals-caption")).getText().contains("page 1"));
        assertTrue(rowCount("#labs-table") > 0);
        assertTrue(rowCount("#conditions-table") > 0);
        assertTrue(rowCount("#medications-table") > 0);
        String firstRowBefore = firstPage.get(0).getText();
        screenshot(Path.of("target", "e2e").resolve("demo-after-login.png"));

        // Next page: the Bundle's next link, rewritten by the proxy to this origin's /fhir, read through the proxy.
        driver.findElement(By.id("next-page")).click();
        waitFor().until(ExpectedConditions.textToBePresentInElementLocated(By.id("vitals-caption"), "page 2"));
        String firstRowAfter = driver.findElement(By.cssSelector("#observations-table tbody tr")).getText();
        assertNotEquals(firstRowBefore, firstRowAfter);
        assertTrue(rowCount("#observations-table") > 0);
        assertEquals("true", driver.findElement(By.id("next-page")).getAttribute("aria-disabled"),
                "the sample has two pages of vital signs");
        assertTrue(fake.fhirRequests().stream().anyMatch(r -> r.path().equals("/fhir")
                && r.query().contains("_getpages=")), "the next page was read from the FHIR server");

        assertNoTokenInTheBrowser();

        // Log out: the session ends and the page offers to log in again.
        driver.findElement(By.id("logout-button")).click();
        waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
        assertEquals("You are logged out.", driver.findElement(By.id("status")).getText());
        assertFalse(driver.findElement(By.id("record")).isDisplayed());
        assertNull(driver.manage().getCookieNamed(SessionCookies.SESSION), "the session cookie is expired");
        driver.navigate().refresh();
        waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
    }

    @Test
    void an_ehr_launch_opens_the_app_with_iss_and_launch_and_the_app_hands_them_to_the_bff() {
        String launch = fake.issueLaunchId(fake.patientId(), "enc-1");
        driver.get(publicUrl + "/?iss=" + URLEncoder.encode(fake.fhirBase(), StandardCharsets.UTF_8)
                + "&launch=" + launch);
        waitFor().until(ExpectedConditions.textToBe(By.id("status"), "Patient record loaded."));
        assertEquals(publicUrl + "/", driver.getCurrentUrl(), "the launch parameters are gone from the address");
        assertEquals(launch, fake.lastAuthorizeParams().get("launch"));
        assertEquals(samplePatientName(), driver.findElement(By.id("patient-name")).getText());
        assertNoTokenInTheBrowser();
    }

    @Test
    void when_the_session_ends_the_page_logs_in_again_and_comes_back() {
        driver.get(publicUrl + "/");
        waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button"))).click();
        waitFor().until(ExpectedConditions.textToBe(By.id("status"), "Patient record loaded."));
        WebElement oldPage = driver.findElement(By.id("patient-name"));
        assertEquals(1, authorizeRequests());

        // The authorization server forgets every token: the proxy's retry after the upstream 401 finds the refresh
        // token refused, ends the session, and answers 401 session_expired.
        fake.reset();
        driver.findElement(By.id("next-page")).click();

        // The default onSessionExpired handler logs in again (the fake consents at once) and returns to the page.
        waitFor().until(ExpectedConditions.stalenessOf(oldPage));
        waitFor().until(ExpectedConditions.textToBe(By.id("status"), "Patient record loaded."));
        assertEquals(publicUrl + "/", driver.getCurrentUrl());
        // reset() also forgot the first login's requests: this is the second one, and only one.
        assertEquals(1, authorizeRequests(), "exactly one new login");
        assertTrue(fake.usedRefreshTokens().size() > 0, "the BFF tried to refresh before giving up");
        assertEquals(samplePatientName(), driver.findElement(By.id("patient-name")).getText());
    }

    private int authorizeRequests() {
        return (int) fake.requests().stream().filter(r -> r.path().equals("/oauth/authorize")).count();
    }

    @Test
    @SuppressWarnings("unchecked")
    void the_helper_module_maps_urls_links_and_errors_in_the_browser() {
        driver.get(publicUrl + "/");
        waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
        Map<String, Object> result = (Map<String, Object>) driver.executeAsyncScript(
                """
                        const done = arguments[arguments.length - 1];
                        import('/smart-bff/smart-bff.js').then(async (bff) => {
                          const refused = (url) => { try { bff.fhirUrl(url); return false; } catch (e) { return e instanceof TypeError; } };
                          let expired = null;
                          bff.configure({ onSessionExpired: (error) => { expired = error.code; } });
                          let error = null;
                          try { await bff.fhir('Patient/123'); } catch (e) { error = e; }
                          bff.configure({ onSessionExpired: undefined });
                          done({
                            relative: bff.fhirUrl('/Patient/123'),
                            nextLink: bff.fhirUrl(location.origin + '/fhir?_getpages=abc&_getpagesoffset=10'),
                            refusesOtherOrigin: refused('http://127.0.0.1:1/fhir/Patient/1'),
                            refusesEscape: refused(location.origin + '/fhir/../auth/logout'),
                            refusesLookalike: refused(location.origin + '/fhirx/Patient'),
                            next: bff.nextPage({ link: [{ relation: 'self', url: 'a' }, { relation: 'next', url: 'b' }] }),
                            lastPage: bff.nextPage({ link: [{ relation: 'self', url: 'a' }] }),
                            ehr: bff.isEhrLaunch('/?iss=https%3A%2F%2Fehr%2Ffhir&launch=xyz'),
                            notEhr: bff.isEhrLaunch('/?iss=https%3A%2F%2Fehr%2Ffhir'),
                            session: await bff.session(),
                            errorName: error && error.name,
                            status: error && error.status,
                            code: error && error.code,
                            outcome: error && error.outcome && error.outcome.resourceType,
                            expired,
                          });
                        }).catch((e) => done({ failure: String(e) }));
                        """);
        assertNull(result.get("failure"));
        assertEquals("/fhir/Patient/123", result.get("relative"));
        assertEquals("/fhir?_getpages=abc&_getpagesoffset=10", result.get("nextLink"));
        assertEquals(true, result.get("refusesOtherOrigin"));
        assertEquals(true, result.get("refusesEscape"));
        assertEquals(true, result.get("refusesLookalike"));
        assertEquals("b", result.get("next"));
        assertNull(result.get("lastPage"));
        assertEquals(true, result.get("ehr"));
        assertEquals(false, result.get("notEhr"));
        assertNull(result.get("session"), "no session: null, not an error");
        assertEquals("SmartBffError", result.get("errorName"));
        assertEquals(401L, result.get("status"));
        assertEquals("no_session", result.get("code"));
        assertEquals("OperationOutcome", result.get("outcome"));
        assertEquals("no_session", result.get("expired"), "the onSessionExpired handler ran");
        assertTrue(fake.fhirRequests().isEmpty(), "nothing reached the FHIR server without a session");
    }

    // ------------------------------------------------------------------------------------------------- the checks

    /**
     * No access or refresh token the fake issued, and no JWT, is in anything the browser holds or received: the
     * cookies a script can read, the cookie jar itself, both Web Storages, the page's DOM, and every request and
     * response (URL, headers, body) in the network log.
     */
    @SuppressWarnings("unchecked")
    private void assertNoTokenInTheBrowser() {
        Set<String> tokens = new LinkedHashSet<>(fake.issuedAccessTokens());
        tokens.addAll(fake.issuedRefreshTokens());
        assertTrue(fake.issuedAccessTokens().size() > 0 && fake.issuedRefreshTokens().size() > 0,
                "the login issued tokens to check for");

        Map<String, String> places = new LinkedHashMap<>();
        String scriptCookies = (String) driver.executeScript("return document.cookie;");
        assertFalse(scriptCookies.contains(SessionCookies.SESSION), "the session cookie is HttpOnly: " + scriptCookies);
        places.put("document.cookie", scriptCookies);
        places.put("localStorage", (String) driver.executeScript("return JSON.stringify(Object.entries(localStorage));"));
        places.put("sessionStorage",
                (String) driver.executeScript("return JSON.stringify(Object.entries(sessionStorage));"));
        StringBuilder jar = new StringBuilder();
        for (Cookie cookie : driver.manage().getCookies()) {
            jar.append(cookie.getName()).append('=').append(cookie.getValue()).append('\n');
        }
        places.put("cookie jar", jar.toString());
        places.put("DOM", driver.getPageSource());

        List<NetworkLog.Exchange> exchanges = network.collect();
        for (NetworkLog.Exchange exchange : exchanges) {
            places.put(exchange.describe(), exchange.text());
        }
        // The capture is real: it holds the session view, the patient and the searchsets the page read.
        String received = String.join("\n", places.values());
        assertTrue(received.contains("\"need_patient_banner\""), "the /auth/session body was captured");
        assertTrue(received.contains("\"resourceType\":\"Patient\""), "the Patient body was captured");
        assertTrue(received.contains("\"type\":\"searchset\""), "the searchset bodies were captured");
        assertTrue(exchanges.stream().anyMatch(e -> e.url().startsWith(fake.baseUrl() + "/oauth/authorize")),
                "the redirects of the login were captured");

        for (Map.Entry<String, String> place : places.entrySet()) {
            for (String token : tokens) {
                assertFalse(place.getValue().contains(token),
                        () -> "a token (" + token.substring(0, 8) + "...) reached the browser in " + place.getKey());
            }
            assertFalse(JWT.matcher(place.getValue()).find(), () -> "a JWT reached the browser in " + place.getKey());
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private WebDriverWait waitFor() {
        return chromium.waitFor();
    }

    private int rowCount(String table) {
        return driver.findElements(By.cssSelector(table + " tbody tr")).size()
                - driver.findElements(By.cssSelector(table + " tbody td.placeholder")).size();
    }

    /** The sample patient's official name as the banner shows it: given names, then the family name. */
    private String samplePatientName() {
        JsonObject patient = new JsonObject(resource("/fhir/Patient-" + fake.patientId() + ".json"));
        JsonObject name = patient.getJsonArray("name").getJsonObject(0);
        for (Object candidate : patient.getJsonArray("name")) {
            if ("official".equals(((JsonObject) candidate).getString("use"))) {
                name = (JsonObject) candidate;
                break;
            }
        }
        List<String> parts = new ArrayList<>();
        name.getJsonArray("given", new JsonArray()).forEach(given -> parts.add((String) given));
        parts.add(name.getString("family"));
        return String.join(" ", parts);
    }

    private static String resource(String name) {
        try (InputStream in = BrowserEndToEndTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole page, not only the window: Chrome renders beyond the viewport for the capture. */
    @SuppressWarnings("unchecked")
    private static void screenshot(Path file) throws IOException {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "scale", 1,
                "width", ((Number) size.get("width")).doubleValue(), "height", ((Number) size.get("height")).doubleValue());
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    /**
     * The browser's side of the network, from Chrome's performance log: each request's URL and headers, each
     * response's status, headers (including the raw ones with {@code Set-Cookie}) and body. Entries are drained from the
     * log at each {@link #collect()}; bodies are fetched while the page that received them is still open.
     */
    static final class NetworkLog {

        /** One request or response as the browser saw it. */
        record Exchange(String kind, String url, String text) {
            String describe() {
                return kind + " " + url;
            }
        }

        private final ChromeDriver driver;
        private final List<Exchange> exchanges = new ArrayList<>();

        NetworkLog(ChromeDriver driver) {
            this.driver = driver;
        }

        void clear() {
            driver.manage().logs().get(LogType.PERFORMANCE);
            exchanges.clear();
        }

        List<Exchange> collect() {
            for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
                JsonObject message = new JsonObject(entry.getMessage()).getJsonObject("message");
                String method = message.getString("method", "");
                JsonObject params = message.getJsonObject("params", new JsonObject());
                switch (method) {
                    case "Network.requestWillBeSent" -> {
                        JsonObject request = params.getJsonObject("request", new JsonObject());
                        String url = request.getString("url", "");
                        exchanges.add(new Exchange("request", url, url + "\n" + request.getValue("headers") + "\n"
                                + request.getString("postData", "")));
                        JsonObject redirect = params.getJsonObject("redirectResponse");
                        if (redirect != null) {
                            exchanges.add(new Exchange("redirect " + redirect.getInteger("status"),
                                    redirect.getString("url", ""), String.valueOf(redirect.getValue("headers"))));
                        }
                    }
                    case "Network.requestWillBeSentExtraInfo", "Network.responseReceivedExtraInfo" ->
                        exchanges.add(new Exchange(method.endsWith("SentExtraInfo") ? "raw request headers"
                                : "raw response headers", params.getString("requestId", ""),
                                String.valueOf(params.getValue("headers")) + params.getString("headersText", "")));
                    case "Network.responseReceived" -> {
                        JsonObject response = params.getJsonObject("response", new JsonObject());
                        String url = response.getString("url", "");
                        exchanges.add(new Exchange("response " + response.getInteger("status"), url,
                                response.getValue("headers") + "\n" + body(params.getString("requestId"))));
                    }
                    default -> {
                        // other events say nothing about content
                    }
                }
            }
            return List.copyOf(exchanges);
        }

        @SuppressWarnings("unchecked")
        private String body(String requestId) {
            try {
                Map<String, Object> result = driver.executeCdpCommand("Network.getResponseBody",
                        Map.of("requestId", requestId));
                String body = String.valueOf(result.get("body"));
                return Boolean.TRUE.equals(result.get("base64Encoded"))
                        ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8)
                        : body;
            } catch (WebDriverException e) {
                // No body kept (a redirect, a 204, or a resource of a page already left): nothing to check.
                return "";
            }
        }
    }
}
