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
        String revocationEndpoint, List<String> codeChallengeMethodsSupported, List<String> capabilities, Source source) {

    /** Where the endpoints came from. */
    public enum Source {
        /** {@code .well-known/smart-configuration} (SMART 2, and 1.0 servers that publish it). */
        WELL_KNOWN,
        /** The {@code oauth-uris} extension of the CapabilityStatement (SMART 1.0 servers). */
        CAPABILITY_STATEMENT,
        /** {@code smart-bff.servers.<name>.endpoints.*}. */
        CONFIGURATION
    }

    static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

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
                strings(document, "code_challenge_methods_supported"), strings(document, "capabilities"),
                Source.WELL_KNOWN);
    }

    /**
     * Reads the endpoints from a CapabilityStatement's {@code rest[].security} {@code oauth-uris} extension, the SMART
     * 1.0 way. Such a server cannot declare PKCE support; smart-bff sends S256 anyway.
     *
     * @throws DiscoveryException when the statement names no authorize and token endpoints
     */
    public static SmartConfiguration fromCapabilityStatement(JsonNode statement, String fhirBaseUrl) {
        if (statement == null || !"CapabilityStatement".equals(statement.path("resourceType").asText())) {
            throw new DiscoveryException("the metadata is not a CapabilityStatement");
        }
        for (JsonNode rest : statement.path("rest")) {
            for (JsonNode extension : rest.path("security").path("extension")) {
                if (OAUTH_URIS.equals(extension.path("url").asText())) {
                    String authorize = null;
                    String token = null;
                    String revoke = null;
                    for (JsonNode uri : extension.path("extension")) {
                        String value = resolve(fhirBaseUrl, text(uri, "valueUri"));
                        switch (uri.path("url").asText()) {
                            case "authorize" -> authorize = value;
                            case "token" -> token = value;
                            case "revoke" -> revoke = value;
                            default -> {
                                // register, manage, introspect: not used by the BFF
                            }
                        }
                    }
                    if (authorize != null && token != null) {
                        return new SmartConfiguration(null, authorize, token, null, revoke, List.of(), List.of(),
                                Source.CAPABILITY_STATEMENT);
                    }
                }
            }
        }
        throw new DiscoveryException("the CapabilityStatement names no SMART authorize and token endpoints");
    }

    /**
     * Whether PKCE S256 is offered, which SMART App Launch 2 requires and smart-bff insists on. Only a
     * {@code .well-known} document can say so; for endpoints from a CapabilityStatement or configuration S256 is sent
     * regardless (a server without PKCE ignores it).
     */
    public boolean supportsS256() {
        return source != Source.WELL_KNOWN || codeChallengeMethodsSupported.contains(Pkce.METHOD);
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
