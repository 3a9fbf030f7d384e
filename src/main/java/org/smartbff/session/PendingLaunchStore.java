package org.smartbff.session;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.common.Hashes;
import org.smartbff.observe.BffMetrics;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;

/** Launches between the redirect to the authorization server and the callback. Each is taken at most once. */
@ApplicationScoped
public class PendingLaunchStore {

    private final BffMetrics metrics;

    static final String PREFIX = "smart-bff:launch:";

    private final ReactiveValueCommands<String, String> values;
    private final SealedJson sealed;

    public PendingLaunchStore(ReactiveRedisDataSource redis, SealedJson sealed, BffMetrics metrics) {
        this.metrics = metrics;
        this.values = redis.value(String.class, String.class);
        this.sealed = sealed;
    }

    static String key(String state) {
        return PREFIX + Hashes.sha256Hex(state);
    }

    /** Stores a launch under its state; NX, because a state is random and a clash means something is wrong. */
    public Uni<Void> put(String state, PendingLaunch launch, Duration ttl) {
        String key = key(state);
        return values.set(key, sealed.seal(launch, key), new SetArgs().nx().px(ttl))
                .onFailure().transform(this::storeFailure);
    }

    /** Takes the launch of this state (GETDEL): a replayed state finds nothing. Null when absent or unreadable. */
    public Uni<PendingLaunch> take(String state) {
        String key = key(state);
        return values.getdel(key).onFailure().transform(this::storeFailure).map(value -> {
            if (value == null) {
                return null;
            }
            try {
                return sealed.open(value, key, PendingLaunch.class);
            } catch (UnreadableRecordException e) {
                return null;
            }
        });
    }

    private Throwable storeFailure(Throwable failure) {
        metrics.redisError();
        return StoreUnavailableException.wrap(failure);
    }
}
