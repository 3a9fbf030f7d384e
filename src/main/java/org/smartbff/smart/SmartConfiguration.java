package org.smartbff.smart;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a SMART server says of itself in {@code {iss}/.well-known/smart-configuration} (SMART App Launch 2.x). Names
 * follow the specification.
 */
public record SmartConfiguration(String issuer, String authorizationEndpoint, String tokenEndpoint, String jwksUri,
        String revocationEndpoint, List<String> codeChallengeMethodsSupported, List<String> capabilities) {

    /**
     * Reads a discovery document. Relative endpoint URLs are resolved against the FHIR base.
     *
     * @throws DiscoveryException when the document lacks the endpoints a launch needs
     */
    public static SmartConfiguration parse(JsonNode document, String fhirBaseUrl) {
        if (document == null || !document.isObject()) {
            throw new DiscoveryException("the SMART configuration is not a JSON object");
        }
        String authorize = resolve(fhirBaseUrl, text(document, "authorization_endpoint"));
        String token = resolve(fhirBaseUrl, text(document, "token_endpoint"));
        if (authorize == null || token == null) {
            throw new DiscoveryException("the SMART configuration names no authorization_endpoint or token_endpoint");
        }
        return new SmartConfiguration(text(document, "issuer"), authorize, token,
                resolve(fhirBaseUrl, text(document, "jwks_uri")),
                resolve(fhirBaseUrl, text(document, "revocation_endpoint")),
                strings(document, "code_challenge_methods_supported"), strings(document, "capabilities"));
    }

    /** Whether PKCE S256 is offered, which SMART App Launch 2 requires and smart-bff insists on. */
    public boolean supportsS256() {
        return codeChallengeMethodsSupported.contains(Pkce.METHOD);
    }

    private static String text(JsonNode document, String name) {
        JsonNode node = document.get(name);
        return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }

    private static List<String> strings(JsonNode document, String name) {
        List<String> values = new ArrayList<>();
        JsonNode node = document.get(name);
        if (node != null && node.isArray()) {
            node.forEach(item -> {
                if (item.isTextual()) {
                    values.add(item.asText());
                }
            });
        }
        return List.copyOf(values);
    }

    static String resolve(String fhirBaseUrl, String url) {
        if (url == null) {
            return null;
        }
        URI uri = URI.create(url);
        if (uri.isAbsolute()) {
            return url;
        }
        String base = fhirBaseUrl.endsWith("/") ? fhirBaseUrl : fhirBaseUrl + "/";
        return URI.create(base).resolve(uri).toString();
    }
}
