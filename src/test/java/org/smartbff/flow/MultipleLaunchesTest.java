package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.common.Hashes;
import org.smartbff.session.SessionCookies;
import org.smartbff.smart.FormEncoding;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.LogCapture;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.StoredKeys;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Several launches in one browser (two tabs, two patients): each tab's handle ({@code X-SMART-Launch}) keeps its calls
 * on its own launch; a call without one goes to the browser's most recent launch; a handle of another browser session
 * is refused.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class MultipleLaunchesTest {

    private static final Pattern HANDLE = Pattern.compile("#smart-bff-launch=([A-Za-z0-9_-]{80})$");
    private static final int MAX_LAUNCHES = 10;

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @Inject
    RedisDataSource redis;

    @BeforeEach
    void reset() {
        fake.reset();
        fake.grantsPerLaunch(true);
        clock.reset();
        redis.flushall();
    }

    /** What a browser holds after an EHR launch: its cookie, and the handle the launch's tab keeps. */
    record Launched(String cookie, String handle, String accessToken, Response callback) {
    }

    /** An EHR launch for {@code patient} in the browser holding {@code cookie} (null: a fresh browser). */
    private Launched launch(String patient, String cookie) {
        Set<String> tokensBefore = new HashSet<>(fake.issuedAccessTokens());
        String launch = fake.issueLaunchId(patient, null);
        Response started = given().redirects().follow(false).queryParam("iss", fake.fhirBase())
                .queryParam("launch", launch).when().get("/auth/launch");
        assertEquals(302, started.statusCode(), started.asString());
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.header("Location"));
        RequestSpecification callback = given().redirects().follow(false)
                .cookie(SessionCookies.LAUNCH_BINDING, started.getCookie(SessionCookies.LAUNCH_BINDING));
        if (cookie != null) {
            callback.cookie(SessionCookies.SESSION, cookie);
        }
        Response response = callback.when().get("/auth/callback?" + FormEncoding.query(
                authorized.callbackParams()));
        assertEquals(302, response.statusCode(), response.asString());
        Matcher handle = HANDLE.matcher(response.header("Location"));
        assertTrue(handle.find(), "the redirect's fragment carries the handle: " + response.header("Location"));
        String newCookie = response.getCookie(SessionCookies.SESSION);
        Set<String> issued = new HashSet<>(fake.issuedAccessTokens());
        issued.removeAll(tokensBefore);
        assertEquals(1, issued.size());
        return new Launched(newCookie != null ? newCookie : cookie, handle.group(1), issued.iterator().next(), response);
    }

    private static RequestSpecification as(String cookie, String handle) {
        RequestSpecification request = given().cookie(SessionCookies.SESSION, cookie).header("X-CSRF", "1");
        return handle != null ? request.header("X-SMART-Launch", handle) : request;
    }

    private String lastBearer() {
        List<FakeSmartServer.RecordedRequest> requests = fake.requests();
        for (int i = requests.size() - 1; i >= 0; i--) {
            String authorization = requests.get(i).header("authorization");
            if (requests.get(i).path().startsWith("/fhir") && authorization != null) {
                return authorization.substring("Bearer ".length());
            }
        }
        return null;
    }

    @Test
    void each_tab_sees_its_own_patient_and_its_fhir_calls_carry_its_own_token() {
        Launched a = launch("patient-a", null);
        Launched b = launch("patient-b", a.cookie());

        as(b.cookie(), a.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-a"));
        as(b.cookie(), b.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-b"));

        as(b.cookie(), a.handle()).when().get("/fhir/Observation?patient=patient-a").then().statusCode(200);
        assertEquals(a.accessToken(), lastBearer());
        as(b.cookie(), b.handle()).when().get("/fhir/Observation?patient=patient-b").then().statusCode(200);
        assertEquals(b.accessToken(), lastBearer());
    }

    @Test
    void a_second_launch_keeps_the_browser_secret_so_the_first_tab_keeps_working() {
        Launched a = launch("patient-a", null);
        Launched b = launch("patient-b", a.cookie());
        assertTrue(b.cookie().startsWith(a.cookie() + "."), "the secret stays; the most recent launch is appended");
        // The first tab still holds the cookie it had before the second launch: a browser that had not yet stored
        // the new one (another tab's request in flight) is served the same.
        as(a.cookie(), a.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-a"));
        as(a.cookie(), b.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-b"));
    }

    @Test
    void a_call_without_a_handle_is_for_the_most_recent_launch() {
        Launched a = launch("patient-a", null);
        as(a.cookie(), null).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-a"));
        Launched b = launch("patient-b", a.cookie());
        as(b.cookie(), null).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-b"));
        as(b.cookie(), null).when().get("/fhir/Observation?patient=patient-b").then().statusCode(200);
        assertEquals(b.accessToken(), lastBearer());
    }

    @Test
    void a_handle_of_another_browser_session_is_refused_before_anything_is_looked_up() {
        Launched mine = launch("patient-a", null);
        Launched theirs = launch("patient-b", null);
        int fhirCalls = fake.requests().size();

        as(mine.cookie(), theirs.handle()).when().get("/auth/session").then().statusCode(401)
                .body("error", equalTo("unknown_launch"));
        as(mine.cookie(), theirs.handle()).when().get("/fhir/Patient/patient-b").then().statusCode(401)
                .body("issue[0].details.coding[0].code", equalTo("unknown_launch"));
        as(mine.cookie(), theirs.handle()).when().post("/auth/logout").then().statusCode(401);
        assertEquals(fhirCalls, fake.requests().size(), "nothing reached the FHIR server");
        // Their launch is intact.
        as(theirs.cookie(), theirs.handle()).when().get("/auth/session").then().statusCode(200);
    }

    @Test
    void a_malformed_handle_is_refused_and_a_handle_without_the_cookie_is_no_session() {
        Launched a = launch("patient-a", null);
        for (String bad : new String[] { "x", a.handle().substring(1) + "A", a.handle() + "A", "ä".repeat(80) }) {
            as(a.cookie(), bad).when().get("/auth/session").then().statusCode(401).body("error", equalTo("unknown_launch"));
        }
        given().header("X-SMART-Launch", a.handle()).when().get("/auth/session").then().statusCode(401)
                .body("error", equalTo("no_session"));
        given().header("X-SMART-Launch", a.handle()).header("X-CSRF", "1").when().get("/fhir/Patient/patient-a")
                .then().statusCode(401).body("issue[0].details.coding[0].code", equalTo("no_session"));
    }

    @Test
    void past_the_bound_the_oldest_launch_ends_and_its_tokens_are_revoked() {
        Launched first = launch("patient-0", null);
        String cookie = first.cookie();
        Launched second = null;
        for (int i = 1; i <= MAX_LAUNCHES; i++) {
            Launched next = launch("patient-" + i, cookie);
            cookie = next.cookie();
            second = i == 1 ? next : second;
        }
        as(cookie, first.handle()).when().get("/auth/session").then().statusCode(401).body("error", equalTo("no_session"));
        assertTrue(fake.requests().stream().anyMatch(r -> r.path().endsWith("/revoke") && r.body().contains(
                first.accessToken())), "the evicted launch's token was revoked");
        as(cookie, second.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-1"));
        assertEquals(MAX_LAUNCHES, redis.list(String.class).llen("smart-bff:browser:" + Hashes.sha256Hex(first.cookie())));
    }

    @Test
    void logout_of_one_launch_leaves_the_others_and_the_cookie() {
        Launched a = launch("patient-a", null);
        Launched b = launch("patient-b", a.cookie());
        Response logout = as(b.cookie(), a.handle()).when().post("/auth/logout");
        assertEquals(204, logout.statusCode());
        assertNull(logout.getCookie(SessionCookies.SESSION), "the cookie stays: another launch lives");

        as(b.cookie(), a.handle()).when().get("/auth/session").then().statusCode(401).body("error", equalTo("no_session"));
        as(b.cookie(), b.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-b"));

        Response last = as(b.cookie(), b.handle()).when().post("/auth/logout");
        assertEquals(204, last.statusCode());
        assertEquals("", last.getCookie(SessionCookies.SESSION), "no launch left: the cookie goes");
        assertEquals(List.of(), StoredKeys.of(redis), "nothing left in Redis");
    }

    @Test
    void logout_of_all_launches_ends_every_one_and_expires_the_cookie() {
        Launched a = launch("patient-a", null);
        Launched b = launch("patient-b", a.cookie());
        Launched c = launch("patient-c", b.cookie());
        Response logout = as(c.cookie(), null).queryParam("scope", "all").when().post("/auth/logout");
        assertEquals(204, logout.statusCode());
        assertEquals("", logout.getCookie(SessionCookies.SESSION));
        for (Launched launched : List.of(a, b, c)) {
            as(c.cookie(), launched.handle()).when().get("/auth/session").then().statusCode(401);
        }
        assertEquals(List.of(), StoredKeys.of(redis), "nothing left in Redis");
    }

    @Test
    void an_unknown_logout_scope_is_a_400() {
        Launched a = launch("patient-a", null);
        as(a.cookie(), a.handle()).queryParam("scope", "everything").when().post("/auth/logout").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
        as(a.cookie(), a.handle()).when().get("/auth/session").then().statusCode(200);
    }

    @Test
    void each_launch_refreshes_on_its_own_and_stays_on_its_patient() {
        Launched a = launch("patient-a", null);
        Launched b = launch("patient-b", a.cookie());
        clock.advance(Duration.ofHours(2));

        as(b.cookie(), a.handle()).when().get("/fhir/Observation?patient=patient-a").then().statusCode(200);
        String refreshedA = lastBearer();
        assertEquals(1, fake.refreshGrants());
        as(b.cookie(), b.handle()).when().get("/fhir/Observation?patient=patient-b").then().statusCode(200);
        String refreshedB = lastBearer();
        assertEquals(2, fake.refreshGrants(), "one refresh per launch");
        assertNotEquals(a.accessToken(), refreshedA);
        assertNotEquals(refreshedA, refreshedB);

        as(b.cookie(), a.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-a"));
        as(b.cookie(), b.handle()).when().get("/auth/session").then().statusCode(200).body("patient", equalTo("patient-b"));
        as(b.cookie(), a.handle()).when().get("/fhir/Observation?patient=patient-a").then().statusCode(200);
        assertEquals(refreshedA, lastBearer());
    }

    @Test
    void the_redis_layout_is_one_record_per_launch_and_one_index_per_browser_with_no_secret_in_clear() {
        Launched a = launch("patient-a", null);
        assertEquals(Set.of("smart-bff:session:" + Hashes.sha256Hex(a.cookie())), userKeys(),
                "one launch: the layout single-tab apps always had");
        Launched b = launch("patient-b", a.cookie());
        Set<String> keys = userKeys();
        assertEquals(3, keys.size(), keys.toString());
        assertTrue(keys.contains("smart-bff:session:" + Hashes.sha256Hex(a.cookie())));
        String index = "smart-bff:browser:" + Hashes.sha256Hex(a.cookie());
        assertTrue(keys.contains(index));
        List<String> entries = redis.list(String.class).lrange(index, 0, -1);
        assertEquals(2, entries.size());
        for (String key : keys) {
            String value = key.equals(index) ? String.join("\n", entries) : redis.value(String.class).get(key);
            assertNotNull(value);
            assertFalse(value.contains(a.cookie()), "the browser secret is nowhere in Redis");
            assertFalse(value.contains(a.handle()) || value.contains(b.handle()), "no handle a tab holds is in Redis");
            assertFalse(value.contains(a.accessToken()) || value.contains(b.accessToken()));
        }
        long ttl = redis.key().pttl(index);
        assertTrue(ttl > 11 * 3600_000L && ttl <= 12 * 3600_000L, "the index lives as long as a launch can: " + ttl);
    }

    private Set<String> userKeys() {
        return new HashSet<>(StoredKeys.of(redis));
    }

    @Test
    void the_handle_never_reaches_a_log() {
        try (LogCapture logs = LogCapture.install()) {
            Launched a = launch("patient-a", null);
            Launched b = launch("patient-b", a.cookie());
            as(b.cookie(), a.handle()).when().get("/fhir/Observation?patient=patient-a").then().statusCode(200);
            as(b.cookie(), b.handle()).queryParam("scope", "all").when().post("/auth/logout").then().statusCode(204);
            for (String secret : List.of(a.handle(), b.handle(), a.cookie(), b.cookie())) {
                assertFalse(String.join("\n", logs.lines()).contains(secret), "a secret in the log");
            }
        }
    }
}
