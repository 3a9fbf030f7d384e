package org.smartbff.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;
import org.smartbff.testsupport.AnotherReplica;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.LogCapture;
import org.smartbff.testsupport.MutableClock;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;
import org.smartbff.token.AccessTokens;
import org.smartbff.token.RefreshPolicy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.core.Vertx;

/**
 * The refresh cadence follows the access token's lifetime: a session under continuous load makes about one refresh per
 * lifetime (one per 80 % of it), never one per call, whatever the configured skew (60 s here, longer than the shortest
 * tokens). Time is the injected clock, shared with the fake, whose FHIR endpoint refuses a token past its expiry: a
 * call that succeeds carried a live token.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class RefreshCadenceTest {

    /** Concurrent callers of the one session. */
    private static final int CALLERS = 8;
    /** Clock steps per token lifetime; each step waits for every caller to finish at least one call. */
    private static final int STEPS_PER_LIFETIME = 20;

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @SmartTestResource.RedisPort
    int redisPort;

    @Inject
    MutableClock clock;

    @Inject
    MeterRegistry registry;

    @Inject
    SessionStore sessions;

    @Inject
    AccessTokens accessTokens;

    @Inject
    SmartBffConfig config;

    @Inject
    OidcClients oidcClients;

    @Inject
    Vertx vertx;

    private final HttpClient http = HttpClient.newBuilder().build();

    @BeforeEach
    void reset() {
        fake.reset();
        clock.reset();
        fake.accessTokenClock(clock);
    }

    @ParameterizedTest(name = "{0} s tokens")
    @ValueSource(ints = { 60, 10, 2 })
    void a_session_under_continuous_load_refreshes_about_once_per_token_lifetime(int lifetimeSeconds)
            throws Exception {
        Duration lifetime = Duration.ofSeconds(lifetimeSeconds);
        fake.accessTokenLifetime(lifetime);
        String cookie = BrowserLogin.login();
        SessionId id = SessionId.parse(cookie).orElseThrow();
        double grantsBefore = counter("smart_bff.refresh.grants", "reason", "ahead");
        long usedBefore = summaryCount();
        double usedSumBefore = summarySum();

        List<Integer> refreshesPerLifetime = new ArrayList<>();
        Load load = new Load(cookie);
        try {
            int refreshesSoFar = 0;
            for (int lifetimes = 0; lifetimes < 3; lifetimes++) {
                for (int step = 0; step < STEPS_PER_LIFETIME; step++) {
                    load.awaitCallsFromEveryCaller();
                    for (int more = 0; dueInStore(id); more++) {
                        // A refresh is under way: the load goes on, time not (a refresh takes milliseconds, not a
                        // twentieth of a lifetime).
                        assertTrue(more < 1000, "the refresh did not finish");
                        load.awaitCallsFromEveryCaller();
                    }
                    clock.advance(lifetime.dividedBy(STEPS_PER_LIFETIME));
                }
                int total = fake.refreshGrants();
                refreshesPerLifetime.add(total - refreshesSoFar);
                refreshesSoFar = total;
            }
        } finally {
            load.stop();
        }

        assertEquals(Map.of(200, load.calls()), load.statuses(), "every call succeeded");
        int refreshes = refreshesPerLifetime.stream().mapToInt(Integer::intValue).sum();
        String measured = refreshes + " refreshes in 3 lifetimes of " + lifetimeSeconds + " s, per lifetime "
                + refreshesPerLifetime + ", over " + load.calls() + " calls";
        // At 80 % of each token's life: 0.8, 1.6 and 2.4 lifetimes (the next is due at 3.2).
        assertEquals(List.of(1, 1, 1), refreshesPerLifetime, measured);
        assertEquals(refreshes, counter("smart_bff.refresh.grants", "reason", "ahead") - grantsBefore, 0.0,
                "every refresh was made ahead of expiry: " + measured);
        assertEquals(refreshes, summaryCount() - usedBefore);
        double share = (summarySum() - usedSumBefore) / refreshes;
        assertTrue(share >= 0.799 && share <= 1.0, "refreshed at " + share + " of the lifetime; " + measured);
    }

    @Test
    void calls_do_not_wait_for_a_refresh_made_ahead_of_expiry() throws Exception {
        fake.accessTokenLifetime(Duration.ofSeconds(10));
        String cookie = BrowserLogin.login();
        String firstToken = fake.issuedAccessTokens().iterator().next();
        CompletableFuture<Void> answer = new CompletableFuture<>();
        fake.holdRefreshAnswersUntil(answer);
        try (LogCapture logs = LogCapture.install()) {
            clock.advance(Duration.ofMillis(8_500)); // due from 8 s: the last fifth
            assertEquals(200, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
            assertTrue(fake.awaitRequest(r -> r.path().equals("/oauth/token"), Duration.ofSeconds(10)));

            // The refresh is granted but not answered: calls go on with the token they have.
            for (int i = 0; i < 20; i++) {
                assertEquals(200, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
            }
            assertEquals(21, fake.fhirCallsWith(firstToken));
            assertEquals(1, fake.refreshGrants());
            assertTrue(logs.lines().stream().anyMatch(line -> line.contains(": refresh due (ahead)")
                    && line.contains("lifetime 10000 ms") && line.contains("from 2000 ms before expiry")),
                    () -> "the decision is in the debug log: " + logs.lines().stream()
                            .filter(line -> line.contains("AccessTokens")).toList());
            assertTrue(logs.lines().stream().noneMatch(line -> line.contains(firstToken)), "no token in the log");
        } finally {
            answer.complete(null);
        }
    }

    @Test
    void a_down_token_endpoint_gets_one_attempt_per_pause_not_one_per_call() throws Exception {
        fake.accessTokenLifetime(Duration.ofSeconds(60));
        String cookie = BrowserLogin.login();
        int afterLogin = fake.tokenRequests();
        fake.tokenEndpointDown(true);

        // Due but valid: the calls go on with their token; one attempt, whatever the number of calls.
        clock.advance(Duration.ofSeconds(50));
        for (int i = 0; i < 30; i++) {
            assertEquals(200, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
        }
        assertTrue(fake.awaitRequest(r -> r.path().equals("/oauth/token"), Duration.ofSeconds(10)));
        assertEquals(afterLogin + 1, fake.tokenRequests());

        // Expired: the next call waits for an attempt of its own, the calls after it are refused at once until the
        // pause is over (the pauses of a token double with its failures in a row).
        clock.advance(Duration.ofSeconds(10));
        assertEquals(503, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
        int afterExpiry = fake.tokenRequests();
        assertTrue(afterExpiry <= afterLogin + 3, "attempts: " + (afterExpiry - afterLogin));
        for (int i = 0; i < 30; i++) {
            assertEquals(503, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(afterExpiry, fake.tokenRequests(), "no attempt during the pause");

        fake.tokenEndpointDown(false);
        clock.advance(RefreshPolicy.LONGEST_PAUSE);
        HttpResponse<String> recovered = call(cookie).get(10, TimeUnit.SECONDS);
        assertEquals(200, recovered.statusCode(), recovered.body());
        assertEquals(afterExpiry + 1, fake.tokenRequests());
        assertEquals(1, fake.refreshGrants());
    }

    @Test
    void two_replicas_under_load_refresh_once_per_window_between_them() throws Exception {
        Duration lifetime = Duration.ofSeconds(10);
        fake.accessTokenLifetime(lifetime);
        SessionId id = SessionId.parse(BrowserLogin.login()).orElseThrow();
        try (AnotherReplica other = new AnotherReplica(vertx, redisPort, config, clock, oidcClients)) {
            AccessTokens here = accessTokens;
            int rounds = 0;
            for (int step = 0; step < 3 * STEPS_PER_LIFETIME;) {
                assertTrue(++rounds < 1000 + 3 * STEPS_PER_LIFETIME, "a refresh did not finish");
                List<CompletableFuture<SessionRecord>> calls = new ArrayList<>();
                for (int i = 0; i < CALLERS / 2; i++) {
                    calls.add(sessions.find(id).flatMap(record -> here.usable(id, record))
                            .subscribeAsCompletionStage());
                    calls.add(other.sessions.find(id).flatMap(record -> other.accessTokens.usable(id, record))
                            .subscribeAsCompletionStage());
                }
                for (CompletableFuture<SessionRecord> call : calls) {
                    SessionRecord usable = call.get(10, TimeUnit.SECONDS);
                    assertTrue(usable.accessTokenExpiry().isAfter(clock.instant()), "a caller got an expired token");
                }
                // While a refresh is under way the calls go on at this instant (a refresh takes milliseconds).
                if (!dueInStore(id)) {
                    clock.advance(lifetime.dividedBy(STEPS_PER_LIFETIME));
                    step++;
                }
            }
        }
        int refreshes = fake.refreshGrants();
        assertEquals(3, refreshes, "refreshes in 3 lifetimes across two replicas");
        assertEquals(refreshes, fake.usedRefreshTokens().size(), "each refresh token was presented once");
    }

    @Test
    void a_record_without_issue_time_is_refreshed_once_by_the_skew_then_by_its_lifetime() throws Exception {
        fake.accessTokenLifetime(Duration.ofSeconds(60));
        String cookie = BrowserLogin.login();
        SessionId id = SessionId.parse(cookie).orElseThrow();
        SessionRecord current = sessions.find(id).await().atMost(Duration.ofSeconds(5));
        // As written before issue times were kept.
        SessionRecord legacy = new SessionRecord(current.server(), current.accessToken(), current.accessTokenExpiresAt(),
                current.refreshToken(), current.scope(), current.identity(), current.context(), current.createdAt(),
                current.expiresAt(), current.grantExpiresAt());
        sessions.replace(id, legacy).await().atMost(Duration.ofSeconds(5));

        assertEquals(200, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
        assertTrue(fake.awaitRequest(r -> r.path().equals("/oauth/token") && r.body().contains("refresh_token"),
                Duration.ofSeconds(10)));
        assertEquals(1, fake.refreshGrants(), "the skew (60 s) covers the whole 60 s token: refreshed once");
        for (int i = 0; i < 9; i++) {
            clock.advance(Duration.ofSeconds(5));
            assertEquals(200, call(cookie).get(10, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(1, fake.refreshGrants(), "the refreshed record knows its lifetime: due only from 48 s");
    }

    /** Whether the session in Redis is due for a refresh, that is whether one is under way while calls go on. */
    private boolean dueInStore(SessionId id) {
        SessionRecord stored = sessions.findInStore(id).await().atMost(Duration.ofSeconds(5));
        return new RefreshPolicy(config.token().refreshSkew()).due(RefreshPolicy.TokenLife.of(stored), clock.instant());
    }

    private CompletableFuture<HttpResponse<String>> call(String cookie) {
        URI uri = URI.create("http://localhost:" + RestAssured.port + "/fhir/Patient/" + fake.patientId());
        return http.sendAsync(HttpRequest.newBuilder(uri).header("Cookie", SessionCookies.SESSION + "=" + cookie)
                .header("X-CSRF", "1").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private double counter(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private long summaryCount() {
        DistributionSummary summary = registry.find("smart_bff.refresh.lifetime_used").summary();
        return summary == null ? 0 : summary.count();
    }

    private double summarySum() {
        DistributionSummary summary = registry.find("smart_bff.refresh.lifetime_used").summary();
        return summary == null ? 0 : summary.totalAmount();
    }

    /** {@link #CALLERS} callers, each sending its next call as soon as the last one is answered. */
    private final class Load {
        private final String cookie;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger calls = new AtomicInteger();
        private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        private final int[] answered = new int[CALLERS];
        private final List<CompletableFuture<Void>> done = new ArrayList<>();

        Load(String cookie) {
            this.cookie = cookie;
            for (int i = 0; i < CALLERS; i++) {
                CompletableFuture<Void> finished = new CompletableFuture<>();
                done.add(finished);
                next(i, finished);
            }
        }

        private void next(int caller, CompletableFuture<Void> finished) {
            if (stopped.get()) {
                finished.complete(null);
                return;
            }
            call(cookie).whenComplete((response, failure) -> {
                statuses.merge(failure != null ? -1 : response.statusCode(), 1, Integer::sum);
                calls.incrementAndGet();
                synchronized (this) {
                    answered[caller]++;
                    notifyAll();
                }
                next(caller, finished);
            });
        }

        /**
         * Returns once every caller has had two more calls answered, so at least one was sent at the clock's current
         * instant: the load goes on at each instant.
         */
        synchronized void awaitCallsFromEveryCaller() throws InterruptedException {
            int[] start = answered.clone();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; i < CALLERS; i++) {
                while (answered[i] < start[i] + 2) {
                    long left = deadline - System.nanoTime();
                    assertTrue(left > 0, "caller " + i + " got no answer within 30 s");
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
        }

        void stop() throws Exception {
            stopped.set(true);
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }

        int calls() {
            return calls.get();
        }

        Map<Integer, Integer> statuses() {
            return Map.copyOf(statuses);
        }
    }
}
