package org.smartbff.session;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

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
 * refresh saved, a logout, a delete of an expired session) is announced with the record's key, in the same Lua call
 * that makes the change (see {@link SessionStore}), so no such change is ever made without its announcement. Each
 * replica also sends its own heartbeat through the channel, stamped with its send time: when it comes back, everything
 * announced before it was sent has been heard. A subscription whose heartbeats stop coming back is given up like one
 * that closed (a connection can die without a word). Whatever this feed hears or stops hearing goes to the
 * {@link SessionCache}; a lost subscription is made again, with a growing pause.
 */
@ApplicationScoped
public class SessionChanges {

    private static final Logger LOG = Logger.getLogger(SessionChanges.class);
    static final String CHANNEL = "smart-bff:session-changes";
    /**
     * Heartbeats are {@code heartbeat:<replica>:<send time>}; never a session key (those start with
     * {@link SessionStore#PREFIX}).
     */
    static final String HEARTBEAT = "heartbeat:";
    /**
     * Announced when Redis was found emptied (FLUSHALL, FLUSHDB, a restart without persistence that the feed's
     * connection did not see): every session held in memory is forgotten, none having announced its end.
     */
    static final String FLUSHED = "flushed";
    /** A key that lives as long as Redis keeps its data; its absence at a heartbeat means Redis lost everything. */
    public static final String MARKER = "smart-bff:marker";
    /** A heartbeat: re-creates the marker (announcing the flush when it was gone), then sends the heartbeat itself. */
    private static final String BEAT = "if redis.call('set', KEYS[1], '1', 'NX') then redis.call('publish', ARGV[1], '"
            + FLUSHED + "') end return redis.call('publish', ARGV[1], ARGV[2])";
    /** How long a subscription may take to be confirmed before it is given up and tried again. */
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration LAST_RETRY = Duration.ofSeconds(5);

    private final ReactivePubSubCommands<String> pubsub;
    private final ReactiveRedisDataSource redis;
    private final SessionCache cache;
    private final Vertx vertx;
    private final Duration heartbeat;
    private final BffMetrics metrics;
    /** This replica's heartbeats; those of other replicas prove nothing about this replica's subscription. */
    private final String ownHeartbeat = HEARTBEAT + UUID.randomUUID() + ":";

    // State, changed only under the lock: start, stop, a confirmed subscription and a lost one may race.
    private final Object lock = new Object();
    /** Numbers each subscription, so what an old one says after it was given up is ignored. */
    private int attempt;
    private ReactiveRedisSubscriber subscriber;
    private Duration nextRetry = FIRST_RETRY;
    private boolean stopped = true;
    private boolean gaugesRegistered;
    private long heartbeatTimer = -1;
    private long retryTimer = -1;

    public SessionChanges(ReactiveRedisDataSource redis, SessionCache cache, Vertx vertx, SmartBffConfig config,
            BffMetrics metrics) {
        this.pubsub = redis.pubsub(String.class);
        this.redis = redis;
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
        synchronized (lock) {
            if (!stopped) {
                return;
            }
            stopped = false;
            if (!gaugesRegistered) {
                metrics.sessionCache(cache::trustsMemory, cache::size);
                gaugesRegistered = true;
            }
            heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), ignored -> beat());
        }
        subscribe();
    }

    public void stop() {
        ReactiveRedisSubscriber current;
        synchronized (lock) {
            stopped = true;
            attempt++;
            cache.notListening();
            cancel(heartbeatTimer);
            cancel(retryTimer);
            heartbeatTimer = -1;
            retryTimer = -1;
            current = subscriber;
            subscriber = null;
        }
        close(current);
    }

    private void subscribe() {
        int mine;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            mine = ++attempt;
            retryTimer = -1;
        }
        pubsub.subscribe(CHANNEL, this::onMessage, () -> ended(mine, null), failure -> ended(mine, failure))
                .ifNoItem().after(SUBSCRIBE_TIMEOUT).fail()
                .subscribe().with(subscribed -> {
                    boolean kept;
                    synchronized (lock) {
                        kept = !stopped && mine == attempt;
                        if (kept) {
                            subscriber = subscribed;
                            nextRetry = FIRST_RETRY;
                            cache.listening();
                        }
                    }
                    if (!kept) {
                        close(subscribed);
                    } else {
                        LOG.debug("Listening for session changes");
                    }
                }, failure -> ended(mine, failure));
    }

    private void onMessage(String message) {
        if (message.startsWith(ownHeartbeat)) {
            try {
                cache.heard(Long.parseLong(message.substring(ownHeartbeat.length())));
            } catch (NumberFormatException e) {
                LOG.debug("Ignored a malformed heartbeat");
            }
        } else if (FLUSHED.equals(message)) {
            LOG.info("Redis lost its data: sessions held in memory are forgotten");
            cache.forgetAll();
        } else if (!message.startsWith(HEARTBEAT)) {
            cache.changed(message);
        }
    }

    /** The subscription ended, failed or went silent: trust nothing, and listen again after a pause. */
    private void ended(int which, Throwable failure) {
        ReactiveRedisSubscriber old;
        Duration pause;
        synchronized (lock) {
            if (stopped || which != attempt) {
                return; // stopped, or that subscription was already given up
            }
            attempt++;
            cache.notListening();
            old = subscriber;
            subscriber = null;
            pause = nextRetry;
            nextRetry = pause.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : pause.multipliedBy(2);
            retryTimer = vertx.setTimer(pause.toMillis(), ignored -> subscribe());
        }
        close(old);
        LOG.warnf("Session change feed lost (%s); sessions are read from Redis until it is back, next try in %d ms",
                failure != null ? failure.getMessage() : "connection closed", pause.toMillis());
    }

    private void beat() {
        if (cache.silent()) {
            // Listening, but our heartbeats stopped coming back: a connection can die without closing.
            int current;
            synchronized (lock) {
                current = attempt;
            }
            ended(current, new TimeoutException("no heartbeat came back for " + heartbeat.multipliedBy(3).toMillis() + " ms"));
        }
        cache.sweep();
        redis.execute("EVAL", BEAT, "1", MARKER, CHANNEL, ownHeartbeat + cache.now()).subscribe().with(ignored -> {
        }, failure -> LOG.debugf("Session change heartbeat not sent: %s", failure.getMessage()));
    }

    private void cancel(long timer) {
        if (timer != -1) {
            vertx.cancelTimer(timer);
        }
    }

    private static void close(ReactiveRedisSubscriber subscription) {
        if (subscription != null) {
            subscription.unsubscribe().subscribe().with(ignored -> {
            }, failure -> LOG.debugf("Closing a session change subscription: %s", failure.getMessage()));
        }
    }
}
