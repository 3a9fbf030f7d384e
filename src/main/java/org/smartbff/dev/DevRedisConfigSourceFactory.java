package org.smartbff.dev;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * In the dev profile only, when {@code quarkus.redis.hosts} is not set anywhere, starts a local Redis
 * ({@link DevRedis}) and points the Redis client at it. Quarkus Dev Services would need Docker, which is not everywhere.
 * Registered through {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}.
 */
public class DevRedisConfigSourceFactory implements ConfigSourceFactory {

    static final String HOSTS = "quarkus.redis.hosts";
    static final String PORT = "smart-bff.dev.redis-port";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev")) {
            return List.of();
        }
        ConfigValue hosts = context.getValue(HOSTS);
        if (hosts != null && hosts.getValue() != null && !hosts.getValue().isBlank()) {
            return List.of();
        }
        ConfigValue port = context.getValue(PORT);
        int redisPort = port != null && port.getValue() != null ? Integer.parseInt(port.getValue().trim()) : 16379;
        String url = DevRedis.ensureStarted(redisPort);
        return List.of(new PropertiesConfigSource(Map.of(HOSTS, url), "smart-bff dev Redis", 50));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(50);
    }
}
