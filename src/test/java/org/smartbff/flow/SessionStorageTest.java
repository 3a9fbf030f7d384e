package org.smartbff.flow;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.common.Hashes;
import org.smartbff.session.SealedJson;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;
import org.smartbff.smart.FormEncoding;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.StoredKeys;
import org.smartbff.testsupport.fake.FakeSmartServer;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/** What Redis holds: hashes for keys, sealed records for values, TTLs on everything. */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class SessionStorageTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @Inject
    MutableClock clock;

    @Inject
    RedisDataSource redis;

    @Inject
    SealedJson sealed;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
        redis.flushall();
    }

    @Test
    void the_session_key_is_the_sha256_of_the_cookie_and_the_value_holds_no_plaintext() {
        String cookie = BrowserLogin.login();
        List<String> keys = StoredKeys.of(redis);
        assertEquals(List.of("smart-bff:session:" + Hashes.sha256Hex(cookie)), keys);

        String value = redis.value(String.class).get(keys.get(0));
        assertTrue(value.startsWith("v1."), "sealed record format");
        for (String token : fake.issuedAccessTokens()) {
            assertFalse(value.contains(token));
        }
        for (String token : fake.issuedRefreshTokens()) {
            assertFalse(value.contains(token));
        }
        assertFalse(value.contains("Practitioner/123"), "even the launch context is encrypted");
        assertFalse(value.contains(cookie));
    }

    @Test
    void a_pending_launch_is_keyed_by_the_hash_of_its_state_and_expires() {
        String authorizeUrl = BrowserLogin.start().authorizeUrl();
        String state = FormEncoding.parseQuery(URI.create(authorizeUrl).getRawQuery()).get("state");
        String key = "smart-bff:launch:" + Hashes.sha256Hex(state);
        assertEquals(List.of(key), StoredKeys.of(redis));
        long ttl = redis.key().pttl(key);
        assertTrue(ttl > 590_000 && ttl <= 600_000, "about ten minutes: " + ttl);
        assertFalse(redis.value(String.class).get(key).contains(state));
    }

    @Test
    void the_session_ttl_never_exceeds_the_absolute_timeout() {
        String cookie = BrowserLogin.login();
        long ttl = redis.key().pttl("smart-bff:session:" + Hashes.sha256Hex(cookie));
        assertTrue(ttl > 0 && ttl <= 12 * 3600 * 1000L, "offline session lives to its absolute end: " + ttl);
    }

    @Test
    void a_tampered_session_record_is_no_session() {
        String cookie = BrowserLogin.login();
        String key = "smart-bff:session:" + Hashes.sha256Hex(cookie);
        String value = redis.value(String.class).get(key);
        // A character in the middle: the last base64 character may carry only padding bits.
        int middle = value.length() - 20;
        char flipped = value.charAt(middle) == 'A' ? 'B' : 'A';
        redis.value(String.class).set(key, value.substring(0, middle) + flipped + value.substring(middle + 1));
        RestAssured.given().cookie(SessionCookies.SESSION, cookie)
                .when().get("/auth/session").then().statusCode(401);
    }

    @Test
    void a_record_moved_to_another_key_does_not_open() {
        String victim = BrowserLogin.login();
        String attacker = BrowserLogin.login();
        String victimValue = redis.value(String.class).get("smart-bff:session:" + Hashes.sha256Hex(victim));
        redis.value(String.class).set("smart-bff:session:" + Hashes.sha256Hex(attacker), victimValue);
        RestAssured.given().cookie(SessionCookies.SESSION, attacker)
                .when().get("/auth/session").then().statusCode(401);
    }

    /** A rolling upgrade keeps its users: a session the previous version wrote (no format version) still opens. */
    @Test
    void a_session_stored_by_the_previous_version_still_opens() throws Exception {
        long now = clock.instant().getEpochSecond();
        // The JSON of SessionRecord itself, as smart-bff stored sessions before their stored form had a version.
        String previous = """
                {"server":"fake","accessToken":"AT-previous","accessTokenExpiresAt":%d,"refreshToken":"RT-previous",
                 "scope":"openid fhirUser launch/patient patient/*.rs","identity":{"issuer":"https://as.example",
                 "subject":"alice","fhirUser":"Practitioner/7","name":"Alice"},"context":{"patient":"p-7"},
                 "createdAt":%d,"expiresAt":%d,"grantExpiresAt":0}
                """.formatted(now + 600, now, now + 3600);
        SessionId id = SessionId.generate();
        String key = "smart-bff:session:" + id.hash();
        Object record = new ObjectMapper().readTree(previous);
        redis.value(String.class).set(key, sealed.seal(record, key));

        RestAssured.given().cookie(SessionCookies.SESSION, id.cookieValue())
                .when().get("/auth/session").then().statusCode(200)
                .body("server", equalTo("fake"))
                .body("fhirUser", equalTo("Practitioner/7"))
                .body("patient", equalTo("p-7"));
    }
}
