package org.smartbff.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The configured SMART servers by name. A launch can only ever target one of these: an {@code iss} or server name that
 * is not configured is refused before any request leaves the BFF.
 */
@ApplicationScoped
public class SmartServers {

    private final Map<String, SmartServer> byName = new LinkedHashMap<>();
    private final String defaultServer;

    public SmartServers(SmartBffConfig config) {
        config.servers().forEach((name, server) -> byName.put(name, new SmartServer(name,
                normalizeBaseUrl(server.fhirBaseUrl()), server.clientId(), server.scope())));
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

    /** A configured SMART server. {@code fhirBaseUrl} is normalised (no trailing slash). */
    public record SmartServer(String name, String fhirBaseUrl, String clientId, String scope) {
    }
}
