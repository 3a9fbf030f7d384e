package org.smartbff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packaged application, {@code target/quarkus-app} (what the image copies), carries nothing dev-only: not
 * {@code embedded-redis} (12 MB of {@code redis-server} binaries for six platforms) nor the Jedis it brings, not the dev
 * services ({@code org.smartbff.dev}) nor the fake SMART server they start. Runs in the integration-test phase of
 * {@code ./mvnw verify} (failsafe), after {@code package} has built it.
 */
class PackagedAppIT {

    private static final Path APP = Path.of("target", "quarkus-app");
    /** Names (of jars, dependencies, jar entries) that only dev mode and the tests may have. */
    private static final List<String> DEV_ONLY = List.of("embedded-redis", "redis/embedded/", "redis-server",
            "redis.clients", "jedis", "org/smartbff/dev/", "org/smartbff/testsupport/", "org.smartbff.dev.");

    @Test
    void the_libraries_hold_no_dev_only_artifact() throws IOException {
        List<String> jars = jars().stream().map(jar -> APP.relativize(jar).toString()).toList();
        assertTrue(jars.stream().anyMatch(jar -> jar.contains("quarkus-redis-client")),
                "the check looks where the libraries are: " + jars);
        jars.forEach(jar -> assertNoDevOnlyName(jar, "a library"));
    }

    @Test
    void no_jar_of_the_application_holds_a_dev_only_class_or_binary() throws IOException {
        for (Path jar : jars()) {
            try (JarFile file = new JarFile(jar.toFile())) {
                file.stream().forEach(entry -> assertNoDevOnlyName(entry.getName(), "an entry of " + jar));
            }
        }
    }

    @Test
    void the_application_model_lists_no_dev_only_dependency() throws IOException {
        String dependencies = Files.readString(APP.resolve("quarkus-app-dependencies.txt"));
        assertTrue(dependencies.contains("io.quarkus:quarkus-redis-client"), dependencies);
        assertNoDevOnlyName(dependencies, "quarkus-app-dependencies.txt");
        // The serialized application model the packaged app boots from; its strings (artifact keys, paths) are ASCII.
        String model = new String(Files.readAllBytes(APP.resolve("quarkus/quarkus-application.dat")),
                StandardCharsets.ISO_8859_1);
        assertTrue(model.contains("quarkus-redis-client"), "the model names the dependencies as text");
        assertNoDevOnlyName(model, "quarkus/quarkus-application.dat");
    }

    @Test
    void the_only_config_source_factory_registered_is_the_dev_services_hook() throws IOException {
        Path appJar;
        try (Stream<Path> files = Files.list(APP.resolve("app"))) {
            appJar = files.filter(path -> path.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        try (JarFile file = new JarFile(appJar.toFile())) {
            var entry = file.getJarEntry("META-INF/services/io.smallrye.config.ConfigSourceFactory");
            String services = new String(file.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals("org.smartbff.config.DevServicesConfigSourceFactory", services);
        }
    }

    private static void assertNoDevOnlyName(String text, String what) {
        for (String name : DEV_ONLY) {
            assertFalse(text.contains(name), what + " carries the dev-only " + name + ": " + abbreviated(text));
        }
    }

    private static String abbreviated(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    private static List<Path> jars() throws IOException {
        assertTrue(Files.isDirectory(APP), APP + " is built by the package phase, before this test");
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> files = Files.walk(APP)) {
            files.filter(path -> path.toString().endsWith(".jar")).forEach(jars::add);
        }
        return jars;
    }
}
