package org.smartbff.testsupport;

import java.time.Clock;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.session.SealedJson;
import org.smartbff.session.SessionCache;
import org.smartbff.session.SessionChanges;
import org.smartbff.session.SessionStore;
import org.smartbff.smart.ClientKeys;
import org.smartbff.smart.IdTokenVerifier;
import org.smartbff.smart.SmartDiscovery;
import org.smartbff.smart.SmartServers;
import org.smartbff.smart.TokenClient;
import org.smartbff.token.AccessTokens;
import org.smartbff.token.RefreshLock;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.runtime.datasource.ReactiveRedisDataSourceImpl;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;

/**
 * A second, independent service graph in the test JVM: its own Redis client, session cache and change feed, stores,
 * discovery, token client, verifier and in-process single-flight map; only Redis (and the configuration, as replicas
 * share it) in common with the application under test. Two Quarkus processes would prove the same at ten times the
 * cost.
 */
public final class AnotherReplica implements AutoCloseable {

    public final SessionStore sessions;
    public final AccessTokens accessTokens;
    public final SessionCache cache;
    private final SessionChanges changes;
    private final Redis client;
    private final Audit audit;

    public AnotherReplica(Vertx vertx, int redisPort, SmartBffConfig config, Clock clock, OidcClients oidcClients) {
        client = Redis.createClient(vertx, "redis://127.0.0.1:" + redisPort);
        ReactiveRedisDataSource redis = new ReactiveRedisDataSourceImpl(vertx, client, RedisAPI.api(client));
        BffMetrics metrics = new BffMetrics(new SimpleMeterRegistry());
        audit = new Audit(metrics);
        cache = new SessionCache(config);
        changes = new SessionChanges(redis, cache, vertx.getDelegate(), config, metrics);
        changes.start();
        sessions = new SessionStore(redis, new SealedJson(config), config, clock, metrics, cache);
        accessTokens = new AccessTokens(sessions, new SmartServers(config), new SmartDiscovery(config, clock),
                new TokenClient(oidcClients, new ClientKeys(config), config), new IdTokenVerifier(config),
                new RefreshLock(redis, metrics), config, clock, metrics, audit);
    }

    @Override
    public void close() {
        changes.stop();
        client.close();
        audit.close();
    }
}
