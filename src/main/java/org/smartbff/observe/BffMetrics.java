package org.smartbff.observe;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The service's own metrics. Labels take values from small fixed sets only (methods, resource types of FHIR R4,
 * status classes, outcome words): never an id, a path or a user. Prometheus names come out as
 * {@code smart_bff_proxy_requests_seconds}, {@code smart_bff_refreshes_total}, and so on.
 */
@ApplicationScoped
public class BffMetrics {

    private final MeterRegistry registry;
    /** The per-call timers, found once: building a meter id for every call is the registry's slow path. */
    private final Map<Object, Timer> timers = new ConcurrentHashMap<>();

    /** The key of a per-call timer: no string is built to find it. */
    private record TimerKey(String name, String method, String resourceType, int statusClass) {
    }

    public BffMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A proxied call answered to the browser, timed from arrival to the response headers. */
    public void proxied(String method, String resourceType, int status, long elapsedNanos) {
        int statusClass = status / 100;
        timers.computeIfAbsent(new TimerKey("p", method, resourceType, statusClass),
                ignored -> Timer.builder("smart_bff.proxy.requests")
                        .description("Proxied FHIR calls, from arrival to response headers")
                        .tag("method", method)
                        .tag("resource_type", resourceType)
                        .tag("status_class", statusClass + "xx")
                        .publishPercentileHistogram()
                        .register(registry))
                .record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    /** The FHIR server's share: from sending the request to its response headers. */
    public void upstream(String method, int status, long elapsedNanos) {
        int statusClass = status / 100;
        timers.computeIfAbsent(new TimerKey("u", method, "", statusClass),
                ignored -> Timer.builder("smart_bff.upstream.requests")
                        .description("Requests to FHIR servers, from sending to response headers")
                        .tag("method", method)
                        .tag("status_class", statusClass + "xx")
                        .publishPercentileHistogram()
                        .register(registry))
                .record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    /** @param kind standalone or ehr; @param outcome redirected or an error code */
    public void launch(String kind, String outcome) {
        counter("smart_bff.launches", "Launches started", "kind", kind, "outcome", outcome).increment();
    }

    /** @param outcome session or an error code */
    public void callback(String outcome) {
        counter("smart_bff.callbacks", "Callbacks completed or refused", "outcome", outcome).increment();
    }

    /**
     * A launch start or callback, from its request to its outcome: discovery, token exchange, id token check and Redis,
     * so a slow authorization server shows here. @param step standalone, ehr or callback; @param result done, refused
     * or error
     */
    public void launchStep(String step, String result, Duration elapsed) {
        timer("l " + step + " " + result, "smart_bff.launch.steps",
                "Launch starts and callbacks, from the request to the outcome", "step", step, "result", result)
                .record(elapsed);
    }

    /** @param outcome ok, invalid_grant, network, lock_wait */
    public void refresh(String outcome) {
        counter("smart_bff.refreshes", "Access token refreshes", "outcome", outcome).increment();
    }

    /**
     * An access token refreshed at the authorization server. Watch {@code smart_bff_refresh_grants_total} as a rate, and
     * {@code smart_bff_refresh_lifetime_used}: about 0.8 in the steady state (a token is refreshed in the last fifth of
     * its life); a share below 0.5 means a session refreshes more than twice per token lifetime.
     *
     * @param reason ahead (before expiry), expired (a call waited), rejected (the FHIR server said 401)
     * @param lifetimeUsed the share of the replaced token's lifetime that had passed; NaN when unknown
     */
    public void refreshed(String reason, double lifetimeUsed) {
        counter("smart_bff.refresh.grants", "Access tokens refreshed at the authorization server, by why", "reason",
                reason).increment();
        if (!Double.isNaN(lifetimeUsed)) {
            DistributionSummary.builder("smart_bff.refresh.lifetime_used")
                    .description("Share of the replaced access token's lifetime that had passed when it was refreshed")
                    .serviceLevelObjectives(0.25, 0.5, 0.75, 0.9, 1.0)
                    .register(registry)
                    .record(lifetimeUsed);
        }
    }

    /** A call whose access token expired was refused at once: the last refresh failed and the next is not due yet. */
    public void refreshPaused() {
        counter("smart_bff.refresh.paused", "Calls refused while refreshes pause after a failure").increment();
    }

    /**
     * From a refresh's token response to the refreshed session written to Redis: while it lasts, only this replica's
     * memory holds the one refresh token the server still accepts (a crash then ends the session).
     */
    public void refreshUnsavedWindow(Duration elapsed) {
        timers.computeIfAbsent("refresh-window", ignored -> Timer.builder("smart_bff.refresh.unsaved")
                .description("From a refresh's token response to the refreshed session saved in Redis")
                .publishPercentileHistogram()
                .register(registry)).record(elapsed);
    }

    /** @param reason csrf, scope, patient_compartment, path, body_too_large */
    public void rejected(String reason) {
        counter("smart_bff.proxy.rejections", "Proxied calls refused before forwarding", "reason", reason).increment();
    }

    /**
     * A token response or id token refused because a member broke its grammar or size bound.
     *
     * @param stage login or refresh; @param member the refused member's name (a fixed set, see ServerDataRules)
     */
    public void serverDataRefused(String stage, String member) {
        counter("smart_bff.server_data.refusals", "Token responses and id tokens refused for what a server put in them",
                "stage", stage, "member", member).increment();
    }

    /** Audit events dropped because the audit output stalled while its queue was full: 0 unless something is wrong. */
    public Counter auditDropped() {
        return counter("smart_bff.audit.dropped", "Audit events dropped because the audit output did not keep up");
    }

    public void redisError() {
        counter("smart_bff.redis.errors", "Failed Redis commands").increment();
    }

    /** The in-memory session cache: whether it may serve (its change feed works) and how many it holds. */
    public void sessionCache(BooleanSupplier trusted, IntSupplier size) {
        Gauge.builder("smart_bff.session.cache.trusted", () -> trusted.getAsBoolean() ? 1 : 0)
                .description("1 while sessions may be served from memory (the session change feed works), else 0")
                .register(registry);
        Gauge.builder("smart_bff.session.cache.entries", size::getAsInt)
                .description("Sessions held opened in memory")
                .register(registry);
    }

    /** Memory request bodies held whole occupy (for the scope guard, or to replay after a 401), and its budget. */
    public void heldBodies(LongSupplier held, long budget) {
        Gauge.builder("smart_bff.proxy.held_bodies", held::getAsLong)
                .description("Bytes of memory request bodies held whole occupy now")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("smart_bff.proxy.held_bodies.budget", () -> budget)
                .description("The budget of memory for request bodies held whole at once (smart-bff.proxy.held-bodies)")
                .baseUnit("bytes")
                .register(registry);
    }

    /** A timer with a latency histogram, found by {@code key} after the first time. */
    private Timer timer(String key, String name, String description, String... tags) {
        return timers.computeIfAbsent(key, ignored -> Timer.builder(name).description(description).tags(tags)
                .publishPercentileHistogram().register(registry));
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }
}
