package org.smartbff.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.smartbff.config.SmartBffConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** What the tests of the deployment files share: where the files are, and how the application maps its environment. */
final class OpsFiles {

    static final Path ROOT = projectRoot();
    static final Path CHART = ROOT.resolve("helm/smart-bff");

    private OpsFiles() {
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SmartBffConfig as the application would map it from these environment variables alone. */
    static SmartBffConfig mapConfig(Map<String, String> env) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new EnvConfigSource(env, 300))
                .withMapping(SmartBffConfig.class)
                .build();
        return config.getConfigMapping(SmartBffConfig.class);
    }

    /** Overlays {@code overlay} onto {@code base} the way Helm merges a values file into the chart's values. */
    static void merge(ObjectNode base, JsonNode overlay) {
        overlay.fields().forEachRemaining(e -> {
            if (e.getValue().isObject() && base.path(e.getKey()).isObject()) {
                merge((ObjectNode) base.get(e.getKey()), e.getValue());
            } else {
                base.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    private static Path projectRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            fail("no pom.xml above " + System.getProperty("user.dir"));
        }
        return dir;
    }
}
