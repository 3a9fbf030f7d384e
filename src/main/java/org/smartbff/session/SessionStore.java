package org.smartbff.session;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import org.smartbff.observe.BffMetrics;

/**
 * Sessions in Redis under {@code smart-bff:session:{sha256(id)}}, sealed. The Redis TTL is the session's life: an
 * online session slides with its idle timeout, an offline one lives to its absolute end; neither ever passes it.
 */
@ApplicationScoped
public class SessionStore {

    private final BffMetrics metrics;

    static final String PREFIX = "smart-bff:session:";
    private static final Logger LOG = Logger.getLogger(SessionStore.class);
    /** Past this many remembered sessions the memory of touches is dropped: it only saves Redis commands. */
    private static final int MAX_REMEMBERED_TOUCHES = 100_000;

    private final ReactiveValueCommands<String, String> values;
    private final ReactiveKeyCommands<String> keys;
    private final SealedJson sealed;
    private final SmartBffConfig.Session config;
    private final Clock clock;
    /**
     * Records already opened, by Redis key, with the exact sealed value they came from: the value is still read from
     * Redis on every call (so a refresh or logout on any replica is seen at once), but an unchanged value under the
     * same key is not decrypted and parsed again. Any other value, or the same value under another key, is opened in
     * full (and a value moved to another key then fails, as the cipher binds it to its key).
     */
    private final Map<String, Opened> opened = new ConcurrentHashMap<>();

    private record Opened(String value, SessionRecord record) {
    }
    private static final int MAX_OPENED = 4_096;

    /** When this replica last pushed each online session's TTL forward, by key; so an active session costs one
     * PEXPIREAT per tenth of its idle timeout instead of one per request. */
    private final Map<String, Long> lastTouched = new ConcurrentHashMap<>();

    public SessionStore(ReactiveRedisDataSource redis, SealedJson sealed, SmartBffConfig config, Clock clock,
            BffMetrics metrics) {
        this.metrics = metrics;
        this.values = redis.value(String.class, String.class);
        this.keys = redis.key(String.class);
        this.sealed = sealed;
        this.config = config.session();
        this.clock = clock;
    }

    static String key(SessionId id) {
        return PREFIX + id.hash();
    }

    /** Stores a new session; NX: a fresh id never overwrites anything. */
    public Uni<Void> create(SessionId id, SessionRecord record) {
        String key = key(id);
        Instant now = clock.instant();
        return values.set(key, sealed.seal(record, key), new SetArgs().nx().pxAt(endOfLife(record, now)))
                .onFailure().transform(this::storeFailure);
    }

    /**
     * Replaces a session after a refresh, with the TTL the new grant allows; XX: a session logged out meanwhile stays
     * gone.
     */
    public Uni<Void> replace(SessionId id, SessionRecord record) {
        String key = key(id);
        return values.set(key, sealed.seal(record, key), new SetArgs().xx().pxAt(endOfLife(record, clock.instant())))
                .onFailure().transform(this::storeFailure);
    }

    /** The session, or null when there is none, it cannot be read, or it is past its absolute end. */
    public Uni<SessionRecord> find(SessionId id) {
        String key = key(id);
        return values.get(key).onFailure().transform(this::storeFailure).flatMap(value -> {
            if (value == null) {
                return Uni.createFrom().nullItem();
            }
            Opened known = opened.get(key);
            SessionRecord record = known != null && known.value().equals(value) ? known.record() : null;
            if (record == null) {
                try {
                    record = sealed.open(value, key, SessionRecord.class);
                } catch (UnreadableRecordException e) {
                    LOG.debugf("Session %s cannot be read (%s): treated as absent", id.logId(), e.getMessage());
                    return Uni.createFrom().nullItem();
                }
                remember(key, value, record);
            }
            Instant now = clock.instant();
            if (record.expired(now)) {
                return delete(id).replaceWith((SessionRecord) null);
            }
            touch(key, record, now);
            return Uni.createFrom().item(record);
        });
    }

    public Uni<Void> delete(SessionId id) {
        String key = key(id);
        lastTouched.remove(key);
        opened.remove(key);
        return keys.del(key).onFailure().transform(this::storeFailure).replaceWithVoid();
    }

    private void remember(String key, String value, SessionRecord record) {
        if (opened.size() >= MAX_OPENED) {
            opened.clear();
        }
        opened.put(key, new Opened(value, record));
    }

    private void touch(String key, SessionRecord record, Instant now) {
        if (record.offline()) {
            return;
        }
        long nowMillis = now.toEpochMilli();
        Long last = lastTouched.get(key);
        if (last != null && nowMillis - last < config.idleTimeout().toMillis() / 10) {
            return;
        }
        if (lastTouched.size() > MAX_REMEMBERED_TOUCHES) {
            lastTouched.clear();
        }
        lastTouched.put(key, nowMillis);
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
