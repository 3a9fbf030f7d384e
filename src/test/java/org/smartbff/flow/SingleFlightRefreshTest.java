package org.smartbff.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.testsupport.AnotherReplica;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;
import org.smartbff.token.AccessTokens;

import io.quarkus.oidc.client.OidcClients;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.core.Vertx;

/**
 * One refresh per session, whatever the concurrency: servers with single-use refresh tokens revoke the whole grant on a
 * second use, so two concurrent refreshes would log the user out.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class SingleFlightRefreshTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.RedisPort
    int redisPort;

    @Inject
    MutableClock clock;

    @Inject
    AccessTokens accessTokens;

    @Inject
    SessionStore sessions;

    @Inject
    SmartBffConfig config;

    @Inject
    OidcClients oidcClients;

    @Inject
    Vertx vertx;

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
    }

    @Test
    void a_hundred_concurrent_calls_on_an_expired_token_make_exactly_one_refresh() throws Exception {
        String cookie = BrowserLogin.login();
        String firstRefreshToken = fake.currentRefreshToken();
        clock.advance(Duration.ofHours(2));

        HttpClient http = HttpClient.newBuilder().build();
        URI uri = URI.create("http://localhost:" + RestAssured.port + "/fhir/Patient/" + fake.patientId());
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(uri).header("Cookie", SessionCookies.SESSION + "=" + cookie)
                    .header("X-CSRF", "1").GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertEquals(200, call.get().statusCode(), call.get().body());
        }
        assertEquals(1, fake.refreshGrants());
        assertEquals(List.of(firstRefreshToken), fake.usedRefreshTokens(), "the old refresh token was used once only");
    }

    @Test
    void two_replicas_sharing_redis_make_exactly_one_refresh() throws Exception {
        String cookie = BrowserLogin.login();
        SessionId id = SessionId.parse(cookie).orElseThrow();
        clock.advance(Duration.ofHours(2));
        try (AnotherReplica other = new AnotherReplica(vertx, redisPort, config, clock, oidcClients)) {
            AccessTokens otherReplica = other.accessTokens;
            SessionStore otherSessions = other.sessions;

            SessionRecord seenByA = sessions.find(id).await().atMost(Duration.ofSeconds(5));
            SessionRecord seenByB = otherSessions.find(id).await().atMost(Duration.ofSeconds(5));
            List<CompletableFuture<SessionRecord>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                results.add(accessTokens.usable(id, seenByA).subscribeAsCompletionStage());
                results.add(otherReplica.usable(id, seenByB).subscribeAsCompletionStage());
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            Set<String> accessTokensSeen = new HashSet<>();
            for (CompletableFuture<SessionRecord> result : results) {
                accessTokensSeen.add(result.get().accessToken());
            }
            assertEquals(1, fake.refreshGrants(), "one refresh across both replicas");
            assertEquals(1, accessTokensSeen.size(), "every caller got the one new token");
            assertNotEquals(seenByA.accessToken(), accessTokensSeen.iterator().next());
            assertEquals(1, fake.usedRefreshTokens().size());
            assertTrue(fake.issuedAccessTokens().containsAll(accessTokensSeen));
        }
    }

    /**
     * Once the server has rotated the refresh token, a crash before the refreshed session is saved loses the session:
     * a replica that never fetched the server's JWKS (it logged nobody in) fetches it before its refresh leaves, not
     * between the token response and the save.
     */
    @Test
    void a_replica_without_the_servers_keys_fetches_them_before_its_refresh_leaves() throws Exception {
        String cookie = BrowserLogin.login();
        SessionId id = SessionId.parse(cookie).orElseThrow();
        clock.advance(Duration.ofHours(2));
        try (AnotherReplica other = new AnotherReplica(vertx, redisPort, config, clock, oidcClients)) {
            SessionRecord seen = other.sessions.find(id).await().atMost(Duration.ofSeconds(5));
            int before = fake.requests().size();

            other.accessTokens.usable(id, seen).await().atMost(Duration.ofSeconds(30));

            List<String> paths = fake.requests().subList(before, fake.requests().size()).stream()
                    .map(FakeSmartServer.RecordedRequest::path).toList();
            assertEquals(1, fake.refreshGrants());
            assertTrue(paths.contains("/oauth/jwks"), "the replica fetched the keys: " + paths);
            assertTrue(paths.indexOf("/oauth/jwks") < paths.indexOf("/oauth/token"), "keys before the refresh: " + paths);
        }
    }
}
