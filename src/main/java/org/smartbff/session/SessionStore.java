package org.smartbff.session;

import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.observe.BffMetrics;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;

/**
 * Sessions in Redis under {@code smart-bff:session:{sha256(id)}}, sealed. The Redis TTL is the session's life: an
 * online session slides with its idle timeout, an offline one lives to its absolute end; neither ever passes it.
 *
 * <p>
 * Every change of a stored session is announced to all replicas in the same Lua call that makes it
 * ({@link SessionChanges}), which lets {@link #find} serve a session this replica opened lately without reading Redis
 * ({@link SessionCache} says when that is safe).
 */
@ApplicationScoped
public class SessionStore {

    private final BffMetrics metrics;

    static final String PREFIX = "smart-bff:session:";
    private static final Logger LOG = Logger.getLogger(SessionStore.class);
    /** Past this many remembered sessions the memory of touches is dropped: it only saves Redis commands. */
    private static final int MAX_REMEMBERED_TOUCHES = 100_000;

    /** Replaces the record only if it is still there, and announces the change in the same step. */
    private static final String REPLACE = "local r = redis.call('set', KEYS[1], ARGV[1], 'XX', 'PXAT', ARGV[2])"
            + " redis.call('publish', ARGV[3], KEYS[1]) return r";
    /** Deletes the record and announces it in the same step. */
    private static final String DELETE = "local n = redis.call('del', KEYS[1]) redis.call('publish', ARGV[1], KEYS[1])"
            + " return n";

    private final ReactiveRedisDataSource redis;
    private final ReactiveValueCommands<String, String> values;
    private final ReactiveKeyCommands<String> keys;
    private final SealedJson sealed;
    private final SmartBffConfig.Session config;
    private final Clock clock;
    /** Opened records: served without a Redis read while the change feed vouches for them, see {@link SessionCache}. */
    private final SessionCache cache;

    /** When an online session's idle expiry is pushed forward again. */
    private final TouchThrottle touches;

    public SessionStore(ReactiveRedisDataSource redis, SealedJson sealed, SmartBffConfig config, Clock clock,
            BffMetrics metrics, SessionCache cache) {
        this.metrics = metrics;
        this.redis = redis;
        this.cache = cache;
        this.values = redis.value(String.class, String.class);
        this.keys = redis.key(String.class);
        this.sealed = sealed;
        this.config = config.session();
        this.clock = clock;
        this.touches = new TouchThrottle(clock, this.config.idleTimeout(), MAX_REMEMBERED_TOUCHES);
    }

    static String key(SessionId id) {
        return PREFIX + id.hash();
    }

    /** Stores a new session; NX: a fresh id never overwrites anything. */
    public Uni<Void> create(SessionId id, SessionRecord record) {
        String key = key(id);
        Instant now = clock.instant();
        return values.set(key, sealed.seal(StoredSession.of(record), key),
                new SetArgs().nx().pxAt(endOfLife(record, now)))
                .onFailure().transform(this::storeFailure);
    }

    /**
     * Replaces a session after a refresh, with the TTL the new grant allows; XX: a session logged out meanwhile stays
     * gone. Every replica hears of it.
     */
    public Uni<Void> replace(SessionId id, SessionRecord record) {
        String key = key(id);
        cache.changed(key);
        return redis.execute("EVAL", REPLACE, "1", key, sealed.seal(StoredSession.of(record), key),
                Long.toString(endOfLife(record, clock.instant()).toEpochMilli()), SessionChanges.CHANNEL)
                .onFailure().transform(this::storeFailure)
                .eventually(() -> cache.changed(key))
                .replaceWithVoid();
    }

    /**
     * The session, or null when there is none, it cannot be read, or it is past its absolute end. Served from memory
     * when the cache may (see {@link SessionCache}), read from Redis otherwise.
     */
    public Uni<SessionRecord> find(SessionId id) {
        SessionRecord known = findInMemory(id);
        // A copy past its end is not served: Redis is asked, and the session deleted there.
        return known != null ? Uni.createFrom().item(known) : read(id, key(id));
    }

    /**
     * The session when memory can answer now, without I/O (see {@link SessionCache}); null when {@link #find} must be
     * asked, which also covers a session found past its end.
     */
    public SessionRecord findInMemory(SessionId id) {
        String key = key(id);
        SessionRecord known = cache.trusted(key);
        if (known == null) {
            return null;
        }
        Instant now = clock.instant();
        if (known.expired(now)) {
            return null;
        }
        touch(key, known, now);
        return known;
    }

    /**
     * The session as Redis holds it now, never from memory: what a refresh decides on, since another replica may have
     * refreshed it a moment ago.
     */
    public Uni<SessionRecord> findInStore(SessionId id) {
        return read(id, key(id));
    }

    private Uni<SessionRecord> read(SessionId id, String key) {
        long ticket = cache.beforeRead();
        return values.get(key).onFailure().transform(this::storeFailure).flatMap(value -> {
            if (value == null) {
                // Gone without an announcement (its TTL ran out, or it was evicted): forget any copy here too.
                cache.changed(key);
                return Uni.createFrom().nullItem();
            }
            SessionRecord record = cache.opened(key, value);
            if (record == null) {
                try {
                    record = sealed.open(value, key, StoredSession.class).toRecord();
                } catch (UnreadableRecordException e) {
                    LOG.debugf("Session %s cannot be read (%s): treated as absent", id.logId(), e.getMessage());
                    cache.changed(key);
                    return Uni.createFrom().nullItem();
                }
            }
            cache.read(key, value, record, ticket);
            return checked(id, key, record);
        });
    }

    private Uni<SessionRecord> checked(SessionId id, String key, SessionRecord record) {
        Instant now = clock.instant();
        if (record.expired(now)) {
            return delete(id).replaceWith((SessionRecord) null);
        }
        touch(key, record, now);
        return Uni.createFrom().item(record);
    }

    /** Ends a session; every replica hears of it. */
    public Uni<Void> delete(SessionId id) {
        String key = key(id);
        touches.forget(key);
        cache.changed(key);
        return redis.execute("EVAL", DELETE, "1", key, SessionChanges.CHANNEL)
                .onFailure().transform(this::storeFailure)
                .eventually(() -> cache.changed(key))
                .replaceWithVoid();
    }

    private void touch(String key, SessionRecord record, Instant now) {
        if (record.offline() || !touches.due(key)) {
            return;
        }
        // Not awaited: a lost touch only shortens an idle session, it never lengthens one.
        keys.pexpireat(key, endOfLife(record, now)).subscribe().with(ignored -> {
        }, failure -> LOG.debugf("Could not extend an idle session: %s", failure.getMessage()));
    }

    /** When the Redis record must be gone: the absolute end, or sooner by the idle timeout for an online session. */
    Instant endOfLife(SessionRecord record, Instant now) {
        Instant absolute = Instant.ofEpochSecond(record.endsAt());
        if (record.offline()) {
            return absolute;
        }
        Instant idle = now.plus(config.idleTimeout());
        return idle.isBefore(absolute) ? idle : absolute;
    }

    private Throwable storeFailure(Throwable failure) {
        metrics.redisError();
        return StoreUnavailableException.wrap(failure);
    }
}
