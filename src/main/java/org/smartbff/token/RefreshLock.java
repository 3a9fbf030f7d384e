package org.smartbff.token;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.common.RandomTokens;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.SessionId;
import org.smartbff.session.StoreUnavailableException;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;

/**
 * The cross-replica half of single-flight refresh: {@code smart-bff:lock:{sha256(session id)}}, taken with
 * {@code SET NX PX} and given back only by its owner (compare-and-delete in one Lua call), so a lock that expired and
 * was taken by another replica is never released by the first.
 */
@ApplicationScoped
public class RefreshLock {

    private final BffMetrics metrics;

    static final String PREFIX = "smart-bff:lock:";
    /** Deletes the key only while it still holds our token. */
    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final ReactiveRedisDataSource redis;

    public RefreshLock(ReactiveRedisDataSource redis, BffMetrics metrics) {
        this.metrics = metrics;
        this.redis = redis;
    }

    static String key(SessionId id) {
        return PREFIX + id.hash();
    }

    /** The owner token when the lock was taken, null when another holder has it. */
    public Uni<String> tryAcquire(SessionId id, Duration ttl) {
        String owner = RandomTokens.random256();
        // Plain SET NX PX (not SET ... GET, which needs Redis 7): the reply is OK when taken, nil otherwise.
        return redis.execute("SET", key(id), owner, "NX", "PX", Long.toString(ttl.toMillis()))
                .onFailure().transform(this::storeFailure)
                .map(reply -> reply != null && "OK".equals(reply.toString()) ? owner : null);
    }

    public Uni<Void> release(SessionId id, String owner) {
        return redis.execute("EVAL", RELEASE, "1", key(id), owner)
                .onFailure().transform(this::storeFailure)
                .replaceWithVoid();
    }

    private Throwable storeFailure(Throwable failure) {
        metrics.redisError();
        return StoreUnavailableException.wrap(failure);
    }
}
