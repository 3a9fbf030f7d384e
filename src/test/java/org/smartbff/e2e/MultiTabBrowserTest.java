package org.smartbff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Two tabs, two patients, one browser: the demo SPA opened by two EHR launches with different launch contexts. Each
 * tab keeps to its own patient through token refreshes and reloads, because smart-bff.js sends the tab's launch handle
 * (kept in its sessionStorage) with every call.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class MultiTabBrowserTest {

    @SmartTestResource.PublicUrl
    String publicUrl;

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    private static Chromium chromium;
    private static ChromeDriver driver;

    @BeforeAll
    static void startBrowser() throws IOException {
        chromium = Chromium.start("chromedriver-multi-tab", List.of());
        driver = chromium.driver;
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void fresh() {
        fake.reset();
        fake.grantsPerLaunch(true);
        clock.reset();
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    }

    /** Opens the app as the EHR does for {@code patient}, in the current tab, and waits for the record. */
    private void ehrLaunch(String patient) {
        String launch = fake.issueLaunchId(patient, null);
        driver.get(publicUrl + "/?iss=" + URLEncoder.encode(fake.fhirBase(), StandardCharsets.UTF_8) + "&launch=" + launch);
        awaitRecord(patient);
        assertEquals(publicUrl + "/", driver.getCurrentUrl(), "the handle is gone from the address bar");
    }

    private void awaitRecord(String patient) {
        chromium.waitFor().until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Patient record loaded"));
        assertEquals(patient, driver.findElement(By.id("context-patient")).getText());
    }

    /** A FHIR call made by the page through smart-bff.js; returns the bearer token the FHIR server received. */
    @SuppressWarnings("unchecked")
    private String fhirCallFromThePage(String patient) {
        Map<String, Object> result = (Map<String, Object>) driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/smart-bff/smart-bff.js').then(async (bff) => {
                  const bundle = await bff.fhir('Observation?patient=' + arguments[0]);
                  const who = await bff.session();
                  done({ type: bundle.resourceType, patient: who.patient });
                }).catch((e) => done({ failure: String(e) }));
                """, patient);
        assertNull(result.get("failure"));
        assertEquals("Bundle", result.get("type"));
        assertEquals(patient, result.get("patient"));
        List<FakeSmartServer.RecordedRequest> requests = fake.fhirRequests();
        String authorization = requests.get(requests.size() - 1).header("authorization");
        return authorization.substring("Bearer ".length());
    }

    @Test
    void two_tabs_with_two_patients_each_stay_on_their_own_through_refreshes_and_reloads() {
        ehrLaunch("patient-a");
        String tabA = driver.getWindowHandle();
        String tokenA = fhirCallFromThePage("patient-a");

        driver.switchTo().newWindow(WindowType.TAB);
        String tabB = driver.getWindowHandle();
        ehrLaunch("patient-b");
        String tokenB = fhirCallFromThePage("patient-b");
        assertFalse(tokenA.equals(tokenB));

        // Back to the first tab: still patient A, before and after a reload.
        driver.switchTo().window(tabA);
        assertEquals(tokenA, fhirCallFromThePage("patient-a"));
        driver.navigate().refresh();
        awaitRecord("patient-a");

        // Both access tokens expire: each tab's next call refreshes its own launch, once.
        clock.advance(Duration.ofHours(2));
        String refreshedA = fhirCallFromThePage("patient-a");
        driver.switchTo().window(tabB);
        String refreshedB = fhirCallFromThePage("patient-b");
        assertEquals(2, fake.refreshGrants(), "one refresh per launch");
        assertFalse(refreshedA.equals(tokenA) || refreshedB.equals(tokenB) || refreshedA.equals(refreshedB));
        driver.navigate().refresh();
        awaitRecord("patient-b");
        driver.switchTo().window(tabA);
        driver.navigate().refresh();
        awaitRecord("patient-a");
        assertEquals(refreshedA, fhirCallFromThePage("patient-a"));

        // A tab opened without a launch of its own gets the browser's most recent launch, as single-tab apps always did.
        driver.switchTo().newWindow(WindowType.TAB);
        driver.get(publicUrl + "/");
        awaitRecord("patient-b");
        driver.close();

        // Logging out in tab B leaves tab A on patient A; tab B stays logged out even after a reload.
        driver.switchTo().window(tabB);
        driver.findElement(By.id("logout-button")).click();
        chromium.waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
        driver.navigate().refresh();
        chromium.waitFor().until(ExpectedConditions.elementToBeClickable(By.id("login-button")));
        assertTrue(driver.findElement(By.id("signed-out")).isDisplayed());
        driver.close();
        driver.switchTo().window(tabA);
        driver.navigate().refresh();
        awaitRecord("patient-a");
    }
}
