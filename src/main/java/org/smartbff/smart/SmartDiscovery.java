package org.smartbff.smart;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.smart.SmartServers.SmartServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;

/**
 * Finds a configured server's endpoints: {@code {iss}/.well-known/smart-configuration} first; where that is missing
 * (an HTTP error, not JSON, or no endpoints), the {@code oauth-uris} of the CapabilityStatement at {@code {iss}/metadata};
 * or the endpoints given in configuration, with no request at all. Results are cached per server, a failure briefly.
 * A fetch in flight is shared by everyone who asks meanwhile.
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
        this.http = HttpDocuments.create(this.config);
    }

    /** The server's SMART configuration; fails with a {@link DiscoveryException} whose message a person can read. */
    public Uni<SmartConfiguration> discover(SmartServer server) {
        if (server.discoverySkipped()) {
            return Uni.createFrom().item(() -> configured(server));
        }
        Instant now = clock.instant();
        Cached cached = cache.compute(server.name(), (name, current) -> current != null && now.isBefore(current.until())
                ? current
                : new Cached(fetch(server).memoize().indefinitely(), now.plus(config.discoveryCacheTtl())));
        // A failure stays cached only briefly, so a broken server is not asked on every click but recovers quickly.
        return cached.configuration().onFailure().invoke(() -> cache.computeIfPresent(server.name(),
                (name, current) -> current == cached
                        ? new Cached(current.configuration(), clock.instant().plus(config.discoveryFailureTtl()))
                        : current));
    }

    /** Forgets what was discovered, e.g. when a token endpoint answers as if it had moved. */
    public void forget(SmartServer server) {
        cache.remove(server.name());
    }

    private Uni<SmartConfiguration> fetch(SmartServer server) {
        String url = server.fhirBaseUrl() + "/.well-known/smart-configuration";
        return ServerTimeoutException.bound(http.get(url, "application/json"), "discovery", config.serverTimeout())
                .map(body -> SmartConfiguration.parse(readJson(body, "the SMART configuration"), server.fhirBaseUrl()))
                .onFailure(failure -> !unreachable(failure)).recoverWithUni(failure -> {
                    LOG.infof("No usable SMART configuration at server %s (%s); reading its CapabilityStatement",
                            server.name(), failure instanceof DiscoveryException ? failure.getMessage() : describe(failure));
                    return fromMetadata(server);
                })
                .onFailure()
                .transform(failure -> failure instanceof DiscoveryException || failure instanceof ServerTimeoutException
                        ? failure
                        : new DiscoveryException("the SMART configuration of server '" + server.name() + "' "
                                + describe(failure), failure))
                .map(configuration -> {
                    if (!configuration.supportsS256()) {
                        throw new DiscoveryException("the SMART server '" + server.name()
                                + "' does not offer PKCE S256 (code_challenge_methods_supported), which smart-bff requires");
                    }
                    LOG.infof("Discovered SMART server %s from %s: authorize %s, token %s", server.name(),
                            configuration.source(), configuration.authorizationEndpoint(), configuration.tokenEndpoint());
                    return configuration;
                });
    }

    private Uni<SmartConfiguration> fromMetadata(SmartServer server) {
        return ServerTimeoutException.bound(http.get(server.fhirBaseUrl() + "/metadata",
                "application/fhir+json, application/json;q=0.9"), "discovery", config.serverTimeout())
                .onFailure(failure -> !(failure instanceof ServerTimeoutException))
                .transform(failure -> new DiscoveryException("neither the SMART configuration nor the "
                        + "CapabilityStatement of server '" + server.name() + "' could be read (metadata "
                        + describe(failure) + ")", failure))
                .map(body -> SmartConfiguration.fromCapabilityStatement(readJson(body, "the CapabilityStatement"),
                        server.fhirBaseUrl()));
    }

    private static SmartConfiguration configured(SmartServer server) {
        SmartBffConfig.Endpoints endpoints = server.endpoints();
        return new SmartConfiguration(endpoints.issuer().orElse(null), endpoints.authorization().orElseThrow(),
                endpoints.token().orElseThrow(), endpoints.jwks().orElse(null), endpoints.revocation().orElse(null),
                List.of(), List.of(), SmartConfiguration.Source.CONFIGURATION);
    }

    /** A server that cannot be reached at all (or in time) will not serve its metadata either. */
    private static boolean unreachable(Throwable failure) {
        return !(failure instanceof WebApplicationException) && !(failure instanceof DiscoveryException);
    }

    private static JsonNode readJson(String body, String what) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new DiscoveryException(what + " is not JSON");
        }
    }

    private static String describe(Throwable failure) {
        return failure instanceof WebApplicationException web
                ? "answered HTTP " + web.getResponse().getStatus()
                : "could not be reached";
    }
}
