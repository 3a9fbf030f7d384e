package org.smartbff.smart;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.config.SmartBffConfig.ClientAuth;

/**
 * The configured SMART servers by name. A launch can only ever target one of these: an {@code iss} or server name that
 * is not configured is refused before any request leaves the BFF.
 */
@ApplicationScoped
public class SmartServers {

    private final Map<String, SmartServer> byName = new LinkedHashMap<>();
    private final String defaultServer;

    public SmartServers(SmartBffConfig config) {
        config.servers().forEach((name, server) -> byName.put(name, SmartServer.of(name, server)));
        if (byName.isEmpty()) {
            throw new IllegalStateException("no SMART server is configured: set smart-bff.servers.<name>.fhir-base-url "
                    + "and smart-bff.servers.<name>.client-id");
        }
        if (!byName.containsKey(config.defaultServer())) {
            throw new IllegalStateException("smart-bff.default-server names '" + config.defaultServer()
                    + "', which is not among smart-bff.servers: " + byName.keySet());
        }
        this.defaultServer = config.defaultServer();
    }

    /** The FHIR base without a trailing slash, the form every comparison and URL below it uses. */
    public static String normalizeBaseUrl(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    public Optional<SmartServer> byName(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    public SmartServer defaultServer() {
        return byName.get(defaultServer);
    }

    /**
     * The server whose {@code fhir-base-url} is this {@code iss} (trailing slashes ignored), if configured. When several
     * servers share a base (one EHR, several client registrations), the first by name wins.
     */
    public Optional<SmartServer> byIssuer(String iss) {
        if (iss == null || iss.isBlank()) {
            return Optional.empty();
        }
        String normalized = normalizeBaseUrl(iss);
        return byName.values().stream().filter(server -> server.fhirBaseUrl().equals(normalized))
                .min(Comparator.comparing(SmartServer::name));
    }

    /**
     * A configured SMART server. {@code fhirBaseUrl} is normalised (no trailing slash).
     *
     * @param clientSecret null unless the client authenticates with a secret
     * @param endpoints endpoints from configuration, used instead of discovery when complete
     */
    public record SmartServer(String name, String fhirBaseUrl, String clientId, String scope, String ehrScope,
            ClientAuth clientAuth, String clientSecret, String clientAssertionAlgorithm, SmartBffConfig.Endpoints endpoints) {

        static SmartServer of(String name, SmartBffConfig.Server server) {
            String secret = server.clientSecret().filter(value -> !value.isBlank()).orElse(null);
            ClientAuth auth = server.clientAuth();
            if ((auth == ClientAuth.client_secret_basic || auth == ClientAuth.client_secret_post) && secret == null) {
                throw new IllegalStateException("smart-bff.servers." + name + ".client-auth is " + auth
                        + " but smart-bff.servers." + name + ".client-secret is not set");
            }
            String algorithm = server.clientAssertionAlgorithm().trim().toUpperCase(Locale.ROOT);
            if (!algorithm.equals("RS384") && !algorithm.equals("ES384")) {
                throw new IllegalStateException("smart-bff.servers." + name
                        + ".client-assertion-algorithm must be RS384 or ES384, not " + algorithm);
            }
            return new SmartServer(name, normalizeBaseUrl(server.fhirBaseUrl()), server.clientId(), server.scope(),
                    withLaunchScope(server.ehrScope()), auth, secret, algorithm, server.endpoints());
        }

        /** Whether the endpoints come from configuration rather than discovery. */
        public boolean discoverySkipped() {
            return endpoints.authorization().isPresent() && endpoints.token().isPresent();
        }

        /** The secret stays out of logs and error messages. */
        @Override
        public String toString() {
            return "SmartServer[name=" + name + ", fhirBaseUrl=" + fhirBaseUrl + ", clientId=" + clientId
                    + ", clientAuth=" + clientAuth + ", clientSecret=" + (clientSecret != null ? "present" : "absent") + "]";
        }
    }

    /** An EHR launch must ask for {@code launch}, or the EHR's launch context cannot be granted. */
    static String withLaunchScope(String scope) {
        return Scopes.parse(scope).contains("launch") ? scope.trim() : "launch " + scope.trim();
    }
}
