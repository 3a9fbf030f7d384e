package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.smartbff.config.ConfigProblems;
import org.smartbff.config.SmartBffConfig;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Each configuration that cannot work is found before the start, with one line that says what to set. */
class ConfigProblemsTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    /** A production configuration that works, with these settings changed (a null value removes one). */
    private static List<String> problems(Map<String, String> changes) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "smart-bff.public-url", "https://app.hospital.example",
                "smart-bff.default-server", "ehr",
                "smart-bff.servers.ehr.fhir-base-url", "https://ehr.example/fhir",
                "smart-bff.servers.ehr.client-id", "bff",
                "smart-bff.session.encryption-key", KEY));
        changes.forEach((name, value) -> {
            if (value == null) {
                properties.remove(name);
            } else {
                properties.put(name, value);
            }
        });
        // Quarkus' converters, as the application has them ("5S", "16M").
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SmartBffConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100,
                        new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return ConfigProblems.of(config.getConfigMapping(SmartBffConfig.class));
    }

    private static String onlyProblem(Map<String, String> changes) {
        List<String> problems = problems(changes);
        assertEquals(1, problems.size(), problems.toString());
        assertFalse(problems.get(0).contains("\n"), "one line");
        return problems.get(0);
    }

    @Test
    void a_working_production_configuration_has_no_problem() {
        assertEquals(List.of(), problems(Map.of()));
    }

    @Test
    void no_encryption_key_in_production_says_what_to_set() {
        Map<String, String> noKey = new HashMap<>();
        noKey.put("smart-bff.session.encryption-key", null);
        String problem = onlyProblem(noKey);
        assertTrue(problem.contains("smart-bff.session.encryption-key is not set"), problem);
        assertTrue(problem.contains("SMART_BFF_SESSION_ENCRYPTION_KEY") && problem.contains("openssl rand -base64 32"),
                problem);
    }

    @Test
    void no_encryption_key_is_fine_where_a_generated_one_is_allowed() {
        Map<String, String> devLike = new HashMap<>();
        devLike.put("smart-bff.session.encryption-key", null);
        devLike.put("smart-bff.session.allow-generated-key", "true");
        assertEquals(List.of(), problems(devLike));
    }

    @Test
    void a_key_of_the_wrong_length_is_named_without_quoting_it() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        String problem = onlyProblem(Map.of("smart-bff.session.encryption-key", shortKey));
        assertTrue(problem.contains("must be 32 bytes") && problem.contains("not 16"), problem);
        assertFalse(problem.contains(shortKey), problem);
        assertTrue(onlyProblem(Map.of("smart-bff.session.encryption-key", "REPLACE_ME")).contains("32 bytes"));
        assertTrue(onlyProblem(Map.of("smart-bff.session.encryption-key", "not base64!")).contains("not valid base64"));
        assertTrue(onlyProblem(Map.of("smart-bff.session.previous-encryption-keys", shortKey))
                .startsWith("smart-bff.session.previous-encryption-keys must be 32 bytes"));
    }

    @Test
    void a_budget_of_held_bodies_smaller_than_one_body_is_named() {
        List<String> problems = ConfigProblems.bodyBudgetProblems(8L << 20, 16L << 20);
        assertEquals(1, problems.size(), problems.toString());
        String problem = problems.get(0);
        assertTrue(problem.contains("smart-bff.proxy.held-bodies") && problem.contains("smart-bff.proxy.max-request-body"),
                problem);
        assertEquals(List.of(), ConfigProblems.bodyBudgetProblems(16L << 20, 16L << 20));
    }

    @Test
    void a_default_server_not_in_the_registry_is_named() {
        String problem = onlyProblem(Map.of("smart-bff.default-server", "epic"));
        assertTrue(problem.contains("smart-bff.default-server names 'epic'") && problem.contains("[ehr]"), problem);
    }

    @Test
    void a_public_url_that_is_not_an_absolute_http_url_is_named() {
        for (String url : List.of("app.hospital.example", "/bff", "ftp://app.example", "https://", "https://app.example?x=1")) {
            assertTrue(onlyProblem(Map.of("smart-bff.public-url", url)).startsWith("smart-bff.public-url must be"), url);
        }
        assertEquals(List.of(), problems(Map.of("smart-bff.public-url", "http://localhost:8080")));
    }

    @Test
    void a_confidential_client_without_its_secret_is_named() {
        String problem = onlyProblem(Map.of("smart-bff.servers.ehr.client-auth", "client_secret_basic"));
        assertTrue(problem.contains("smart-bff.servers.ehr.client-secret is not set")
                && problem.contains("SMART_BFF_SERVERS_EHR_CLIENT_SECRET"), problem);
    }

    @Test
    void a_private_key_jwt_client_without_a_key_file_is_named() {
        String problem = onlyProblem(Map.of("smart-bff.servers.ehr.client-auth", "private_key_jwt"));
        assertTrue(problem.contains("smart-bff.jwks-file") && problem.contains("is not set"), problem);
    }

    @Test
    void an_unreadable_key_file_is_named() {
        String missing = Path.of("target", "no-such-dir", "jwks.json").toString();
        String problem = onlyProblem(Map.of("smart-bff.servers.ehr.client-auth", "private_key_jwt",
                "smart-bff.jwks-file", missing));
        assertEquals("smart-bff.jwks-file " + missing + " cannot be read", problem);
    }

    @Test
    void server_urls_that_are_not_absolute_http_urls_are_named() {
        assertTrue(onlyProblem(Map.of("smart-bff.servers.ehr.fhir-base-url", "ehr.example/fhir"))
                .startsWith("smart-bff.servers.ehr.fhir-base-url must be an absolute http(s) URL"));
        assertTrue(onlyProblem(Map.of("smart-bff.servers.ehr.endpoints.token", "/token"))
                .startsWith("smart-bff.servers.ehr.endpoints.token must be"));
        assertTrue(onlyProblem(Map.of("smart-bff.servers.ehr.client-assertion-algorithm", "HS256"))
                .contains("must be RS384 or ES384"));
    }
}
