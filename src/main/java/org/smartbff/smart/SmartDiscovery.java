package org.smartbff.smart;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.config.SmartServers.SmartServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * Discovers a configured server's endpoints from {@code {iss}/.well-known/smart-configuration}, cached per server. A
 * fetch in flight is shared by everyone who asks meanwhile; a failure is not cached, so the next launch tries again.
 */
@ApplicationScoped
public class SmartDiscovery {

    private static final Logger LOG = Logger.getLogger(SmartDiscovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpDocuments http;
    private final Clock clock;
    private final SmartBffConfig.Http config;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Uni<SmartConfiguration> configuration, Instant until) {
    }

    public SmartDiscovery(SmartBffConfig config, Clock clock) {
        this.config = config.http();
        this.clock = clock;
        this.http = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create("http://localhost"))
                .connectTimeout(this.config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(this.config.connectTimeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .followRedirects(false)
                .build(HttpDocuments.class);
    }

    /** The server's SMART configuration; fails with a {@link DiscoveryException} whose message a person can read. */
    public Uni<SmartConfiguration> discover(SmartServer server) {
        Instant now = clock.instant();
        Cached cached = cache.compute(server.name(), (name, current) -> current != null && now.isBefore(current.until())
                ? current
                : new Cached(fetch(server).memoize().indefinitely(), now.plus(config.discoveryCacheTtl())));
        return cached.configuration().onFailure().invoke(() -> cache.remove(server.name(), cached));
    }

    private Uni<SmartConfiguration> fetch(SmartServer server) {
        String url = server.fhirBaseUrl() + "/.well-known/smart-configuration";
        return http.get(url, "application/json")
                .onFailure().transform(failure -> new DiscoveryException(describe(server, failure), failure))
                .map(body -> {
                    SmartConfiguration configuration = SmartConfiguration.parse(readJson(body), server.fhirBaseUrl());
                    if (!configuration.supportsS256()) {
                        throw new DiscoveryException("the SMART server '" + server.name()
                                + "' does not offer PKCE S256 (code_challenge_methods_supported), which smart-bff requires");
                    }
                    LOG.infof("Discovered SMART server %s: authorize %s, token %s", server.name(),
                            configuration.authorizationEndpoint(), configuration.tokenEndpoint());
                    return configuration;
                });
    }

    private static JsonNode readJson(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new DiscoveryException("the SMART configuration is not JSON");
        }
    }

    private static String describe(SmartServer server, Throwable failure) {
        String what = failure instanceof WebApplicationException web
                ? "answered HTTP " + web.getResponse().getStatus()
                : "could not be reached";
        return "the SMART configuration of server '" + server.name() + "' " + what;
    }
}
