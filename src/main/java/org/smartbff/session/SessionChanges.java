package org.smartbff.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.observe.BffMetrics;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The session change feed: every replica listens on one Redis channel, where each change of a session record (a
 * refresh saved, a logout, an expiry) is announced with the record's key, in the same Lua call that makes the change
 * (see {@link SessionStore}), so no change is ever made without its announcement. Heartbeats go through the same
 * channel, so a connection that dies without a word is noticed too. Whatever this feed hears or stops hearing goes to
 * the {@link SessionCache}; when the connection ends it is made again, with a growing pause.
 */
@ApplicationScoped
public class SessionChanges {

    private static final Logger LOG = Logger.getLogger(SessionChanges.class);
    static final String CHANNEL = "smart-bff:session-changes";
    /** Never a session key: those start with {@link SessionStore#PREFIX}. */
    static final String HEARTBEAT = "heartbeat";
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration LAST_RETRY = Duration.ofSeconds(5);

    private final ReactivePubSubCommands<String> pubsub;
    private final SessionCache cache;
    private final Vertx vertx;
    private final Duration heartbeat;
    private final BffMetrics metrics;
    /** Numbers each subscription, so what an old connection says after it was replaced is ignored. */
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile ReactiveRedisSubscriber subscriber;
    private volatile Duration nextRetry = FIRST_RETRY;
    private volatile boolean stopped;
    private long heartbeatTimer = -1;

    public SessionChanges(ReactiveRedisDataSource redis, SessionCache cache, Vertx vertx, SmartBffConfig config,
            BffMetrics metrics) {
        this.pubsub = redis.pubsub(String.class);
        this.cache = cache;
        this.vertx = vertx;
        this.heartbeat = config.session().cacheHeartbeat();
        this.metrics = metrics;
    }

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts listening (and sending heartbeats), unless the cache is off. */
    public void start() {
        if (!cache.enabled()) {
            return;
        }
        metrics.sessionCache(cache::trustsMemory, cache::size);
        subscribe();
        heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), ignored -> beat());
    }

    public void stop() {
        stopped = true;
        if (heartbeatTimer != -1) {
            vertx.cancelTimer(heartbeatTimer);
        }
        cache.notListening();
        ReactiveRedisSubscriber current = subscriber;
        if (current != null) {
            current.unsubscribe().subscribe().with(ignored -> {
            }, failure -> LOG.debugf("Closing the session change feed: %s", failure.getMessage()));
        }
    }

    private void subscribe() {
        int attempt = attempts.incrementAndGet();
        pubsub.subscribe(CHANNEL, this::onMessage, () -> ended(attempt, null), failure -> ended(attempt, failure))
                .subscribe().with(subscribed -> {
                    if (stopped || attempt != attempts.get()) {
                        subscribed.unsubscribe().subscribe().with(ignored -> {
                        }, ignored -> {
                        });
                        return;
                    }
                    subscriber = subscribed;
                    nextRetry = FIRST_RETRY;
                    cache.listening();
                    LOG.debug("Listening for session changes");
                }, failure -> ended(attempt, failure));
    }

    private void onMessage(String message) {
        cache.heard();
        if (!HEARTBEAT.equals(message)) {
            cache.changed(message);
        }
    }

    /** The connection ended or failed: trust nothing, and listen again after a pause. */
    private void ended(int attempt, Throwable failure) {
        if (!attempts.compareAndSet(attempt, attempt + 1)) {
            return; // that connection was already given up
        }
        cache.notListening();
        ReactiveRedisSubscriber old = subscriber;
        subscriber = null;
        if (old != null) {
            old.unsubscribe().subscribe().with(ignored -> {
            }, ignored -> {
            });
        }
        if (stopped) {
            return;
        }
        Duration pause = nextRetry;
        nextRetry = pause.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : pause.multipliedBy(2);
        LOG.warnf("Session change feed lost (%s); sessions are read from Redis until it is back, next try in %d ms",
                failure != null ? failure.getMessage() : "connection closed", pause.toMillis());
        vertx.setTimer(pause.toMillis(), ignored -> subscribe());
    }

    private void beat() {
        pubsub.publish(CHANNEL, HEARTBEAT).subscribe().with(ignored -> {
        }, failure -> LOG.debugf("Session change heartbeat not sent: %s", failure.getMessage()));
    }
}
