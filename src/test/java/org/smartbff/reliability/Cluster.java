package org.smartbff.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.smartbff.testsupport.RedisControl;

/**
 * What a reliability scenario runs against, every part a real process on 127.0.0.1 with free ports: one Redis
 * (embedded-redis's redis-server binary, so a bare JDK machine runs it), the fake SMART server in grants mode, and
 * smart-bff replicas sharing the Redis and the session encryption key. Logs go to {@code target/reliability/<name>/}.
 */
final class Cluster implements AutoCloseable {

    /** Short enough that a takeover after a killed lock holder fits a test, long enough for a refresh under load. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(3);
    static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(3);

    final Path dir;
    final RedisControl redis;
    final FakeSmartProcess fake;
    private final String encryptionKey;
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<String, String> extraProperties = new LinkedHashMap<>();
    private String redisHosts;

    private Cluster(Path dir, RedisControl redis, FakeSmartProcess fake) {
        this.dir = dir;
        this.redis = redis;
        this.fake = fake;
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.encryptionKey = Base64.getEncoder().encodeToString(key);
        this.redisHosts = "redis://127.0.0.1:" + redis.port();
    }

    /**
     * Starts Redis (with these redis.conf lines besides {@code dir}) and the fake; no replica yet.
     *
     * @param name the scenario's name, for the log directory
     */
    static Cluster start(String name, List<String> redisSettings) throws IOException {
        Path dir = Path.of("target", "reliability", name).toAbsolutePath();
        Files.createDirectories(dir);
        List<String> settings = new ArrayList<>(redisSettings);
        settings.add("dir " + dir);
        RedisControl redis = new RedisControl(Processes.freePort(), settings);
        redis.start();
        try {
            return new Cluster(dir, redis, FakeSmartProcess.start(dir, Duration.ofHours(1), true));
        } catch (IOException | RuntimeException e) {
            redis.stop();
            throw e;
        }
    }

    /** Plain Redis: no persistence. */
    static Cluster start(String name) throws IOException {
        return start(name, List.of("save \"\"", "appendonly no"));
    }

    /** Overrides a smart-bff property of the replicas started from now on. */
    Cluster with(String property, String value) {
        extraProperties.put(property, value);
        return this;
    }

    /** Where replicas started from now on find Redis (a quarkus.redis.hosts value). */
    Cluster redisHosts(String hosts) {
        redisHosts = hosts;
        return this;
    }

    /** Starts a replica on a free port and returns once it is ready. */
    Replica startReplica(String name) throws IOException, InterruptedException {
        return startReplica(name, Processes.freePort());
    }

    /** Starts a replica on this port (a restarted pod keeps its address). */
    Replica startReplica(String name, int port) throws IOException, InterruptedException {
        Replica replica = new Replica(name, port, properties(port), dir);
        replicas.add(replica);
        return replica.start();
    }

    private Map<String, String> properties(int port) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.redis.hosts", redisHosts);
        p.put("smart-bff.public-url", "http://127.0.0.1:" + port);
        p.put("smart-bff.default-server", "main");
        p.put("smart-bff.servers.main.fhir-base-url", fake.fhirBase());
        p.put("smart-bff.servers.main.client-id", fake.clientId());
        p.put("smart-bff.session.encryption-key", encryptionKey);
        p.put("smart-bff.token.refresh-skew", "1S");
        p.put("smart-bff.token.lock-timeout", LOCK_TIMEOUT.toSeconds() + "S");
        p.put("smart-bff.http.upstream-timeout", UPSTREAM_TIMEOUT.toSeconds() + "S");
        p.putAll(extraProperties);
        return p;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (Replica replica : replicas) {
            try {
                replica.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        try {
            fake.close();
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        redis.stop();
        if (first != null) {
            throw first;
        }
    }
}
