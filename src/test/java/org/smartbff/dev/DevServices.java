package org.smartbff.dev;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * What {@code ./mvnw quarkus:dev} starts so that it needs nothing but a JDK, the way Quarkus Dev Services would (they
 * need Docker, which is not everywhere): a Redis unless {@code quarkus.redis.hosts} is set, and with
 * {@code smart-bff.dev.sandbox=local} a SMART sandbox on this machine (the fake SMART server of the tests) that becomes
 * the default server, for a demo without the network. Loaded from the test classes by
 * {@link org.smartbff.config.DevServicesConfigSourceFactory} in the dev profile only.
 */
public final class DevServices implements ConfigSourceFactory {

    static final String REDIS_HOSTS = "quarkus.redis.hosts";
    static final String REDIS_PORT = "smart-bff.dev.redis-port";
    static final String SANDBOX = "smart-bff.dev.sandbox";
    /** Below application.properties (250): a Redis configured anywhere wins over the dev one. */
    private static final int REDIS_ORDINAL = 50;
    /** Above application.properties (the public sandbox is its %dev default), below environment and system properties. */
    private static final int SANDBOX_ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<ConfigSource> sources = new ArrayList<>();
        if (value(context, REDIS_HOSTS, "").isBlank()) {
            String url = DevRedis.ensureStarted(port(context, REDIS_PORT, "16379"));
            sources.add(new PropertiesConfigSource(Map.of(REDIS_HOSTS, url), "smart-bff dev Redis", REDIS_ORDINAL));
        }
        String sandbox = value(context, SANDBOX, "public").trim().toLowerCase(Locale.ROOT);
        switch (sandbox) {
            case "public" -> {
                // application.properties' %dev servers: the public SMART sandbox
            }
            case "local" -> sources.add(new PropertiesConfigSource(
                    LocalSandbox.ensureStarted().configuration(),
                    "smart-bff dev local SMART sandbox", SANDBOX_ORDINAL));
            default -> throw new IllegalArgumentException(
                    SANDBOX + " must be public (the public SMART sandbox) or local (one started here), not " + sandbox);
        }
        return sources;
    }

    private static String value(ConfigSourceContext context, String name, String otherwise) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null ? otherwise : value.getValue();
    }

    private static int port(ConfigSourceContext context, String name, String otherwise) {
        String value = value(context, name, otherwise).trim();
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a port number, not " + value);
        }
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(50);
    }
}
