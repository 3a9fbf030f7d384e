package org.smartbff.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.smartbff.config.DevServicesConfigSourceFactory;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigValue;

/** The dev services: nothing outside dev mode, the local sandbox on request, one per JVM, and a clear refusal. */
class DevServicesTest {

    /** A Redis is configured in every case here, so that no dev Redis is started. */
    private static final String REDIS = "redis://127.0.0.1:1";

    @Test
    void outside_dev_mode_the_hook_adds_no_configuration() {
        for (String profile : List.of("prod", "test")) {
            Iterable<ConfigSource> sources = new DevServicesConfigSourceFactory()
                    .getConfigSources(context(List.of(profile), Map.of("smart-bff.dev.sandbox", "local")));
            assertTrue(toList(sources).isEmpty(), profile);
        }
    }

    @Test
    void the_public_sandbox_adds_nothing_to_application_properties() {
        assertTrue(toList(new DevServices().getConfigSources(context(List.of("dev"),
                Map.of("quarkus.redis.hosts", REDIS)))).isEmpty());
    }

    @Test
    void an_unknown_sandbox_is_refused_with_the_choices() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new DevServices()
                .getConfigSources(context(List.of("dev"),
                        Map.of("quarkus.redis.hosts", REDIS, "smart-bff.dev.sandbox", "lokal"))));
        assertEquals("smart-bff.dev.sandbox must be public (the public SMART sandbox) or local (one started here), not "
                + "lokal", refused.getMessage());
    }

    @Test
    void the_local_sandbox_becomes_the_default_server_answers_discovery_and_is_started_once()
            throws IOException, InterruptedException {
        Map<String, String> first = localSandboxConfiguration();
        assertEquals("local", first.get("smart-bff.default-server"));
        String fhirBase = first.get("smart-bff.servers.local.fhir-base-url");
        assertTrue(fhirBase.startsWith("http://127.0.0.1:") && fhirBase.endsWith("/fhir"), fhirBase);
        assertEquals("smart-bff-test", first.get("smart-bff.servers.local.client-id"));

        HttpResponse<String> discovery = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(fhirBase + "/.well-known/smart-configuration")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, discovery.statusCode());
        assertTrue(discovery.body().contains("\"S256\""), discovery.body());

        // What a live reload does: the configuration is built again; the running sandbox is found, not a second one.
        assertEquals(first, localSandboxConfiguration());
    }

    private static Map<String, String> localSandboxConfiguration() {
        List<ConfigSource> sources = toList(new DevServices().getConfigSources(
                context(List.of("dev"), Map.of("quarkus.redis.hosts", REDIS, "smart-bff.dev.sandbox", "local"))));
        assertEquals(1, sources.size());
        return sources.get(0).getProperties();
    }

    private static List<ConfigSource> toList(Iterable<ConfigSource> sources) {
        return StreamSupport.stream(sources.spliterator(), false).toList();
    }

    private static ConfigSourceContext context(List<String> profiles, Map<String, String> values) {
        return new ConfigSourceContext() {
            @Override
            public ConfigValue getValue(String name) {
                String value = values.get(name);
                return value == null ? null : ConfigValue.builder().withName(name).withValue(value).build();
            }

            @Override
            public List<String> getProfiles() {
                return profiles;
            }

            @Override
            public Iterator<String> iterateNames() {
                return values.keySet().iterator();
            }
        };
    }
}
