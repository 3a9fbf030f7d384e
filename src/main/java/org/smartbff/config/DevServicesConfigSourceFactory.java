package org.smartbff.config;

import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.vertx.core.Vertx;

/**
 * In the dev profile ({@code ./mvnw quarkus:dev}) only, hands over to the dev services: a local Redis, and the local
 * SMART sandbox when {@code smart-bff.dev.sandbox=local}. They live in the test source set
 * ({@code src/test/java/org/smartbff/dev}, with the fake SMART server they start and {@code embedded-redis} in
 * {@code provided} scope), which {@code quarkus:dev} compiles to {@code target/test-classes}; they are loaded from
 * there, so the packaged application cannot carry them. Every other profile gets nothing, without a look at the disk.
 * Registered through {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}.
 */
public class DevServicesConfigSourceFactory implements ConfigSourceFactory {

    static final String DEV_SERVICES = "org.smartbff.dev.DevServices";
    static final Path TEST_CLASSES = Path.of("target", "test-classes");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev")) {
            return List.of();
        }
        Path classes = TEST_CLASSES.toAbsolutePath();
        if (!Files.isRegularFile(classes.resolve(DEV_SERVICES.replace('.', '/') + ".class"))) {
            throw new IllegalStateException("Dev mode needs the dev services compiled in " + classes
                    + ": run ./mvnw quarkus:dev from the project root (it compiles the tests; fix them if they fail)");
        }
        return devServices(classes).getConfigSources(context);
    }

    /**
     * The dev services, loaded beside the libraries rather than the application classes: the parent is the class loader
     * of the dependencies, which outlives the live reloads of dev mode, so the sandbox started by one generation of the
     * application keeps working after the next reload closed that generation's class loader.
     */
    private static ConfigSourceFactory devServices(Path classes) {
        try {
            URLClassLoader loader = new URLClassLoader("smart-bff dev services", new URL[] { classes.toUri().toURL() },
                    Vertx.class.getClassLoader());
            return (ConfigSourceFactory) loader.loadClass(DEV_SERVICES).getDeclaredConstructor().newInstance();
        } catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not load the dev services from " + classes, e);
        }
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(50);
    }
}
