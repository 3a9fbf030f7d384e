package org.smartbff.testsupport.fake;

import static org.smartbff.testsupport.fake.Forms.array;

import java.util.Map;

import org.smartbff.testsupport.fake.FakeSmartServer.ClientAuth;
import org.smartbff.testsupport.fake.FakeSmartServer.DiscoveryMode;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** {@code .well-known/smart-configuration} and the CapabilityStatement, in each {@link DiscoveryMode}. */
final class Discovery {

    static final String WELL_KNOWN_PATH = "/fhir/.well-known/smart-configuration";
    static final String METADATA_PATH = "/fhir/metadata";
    private static final String OAUTH_URIS_EXTENSION = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    private final Identity identity;
    DiscoveryMode mode = DiscoveryMode.WELL_KNOWN;

    Discovery(Identity identity) {
        this.identity = identity;
    }

    Outcome.Reply smartConfiguration(ClientAuth clientAuth) {
        if (mode == DiscoveryMode.METADATA_ONLY) {
            return Outcome.json(404, new JsonObject().put("error", "not_found").put("path", WELL_KNOWN_PATH));
        }
        if (mode == DiscoveryMode.NOT_JSON) {
            return new Outcome.Reply(200, Map.of("Content-Type", "text/html; charset=utf-8"), "<html>");
        }
        // Relative references are resolved against the FHIR base with a trailing slash: ../oauth is <base>/oauth.
        String oauth = mode == DiscoveryMode.RELATIVE_ENDPOINTS ? "../oauth" : identity.baseUrl() + "/oauth";
        JsonArray authMethods = array("none", "client_secret_basic", "private_key_jwt");
        if (clientAuth == ClientAuth.CLIENT_SECRET_POST) {
            authMethods.add("client_secret_post");
        }
        JsonObject config = new JsonObject()
                .put("issuer", identity.issuer())
                .put("authorization_endpoint", oauth + "/authorize")
                .put("token_endpoint", oauth + "/token")
                .put("jwks_uri", oauth + "/jwks")
                .put("revocation_endpoint", oauth + "/revoke")
                .put("grant_types_supported", array("authorization_code", "refresh_token"))
                .put("code_challenge_methods_supported", mode == DiscoveryMode.NO_S256 ? array("plain") : array("S256"))
                .put("response_types_supported", array("code"))
                .put("token_endpoint_auth_methods_supported", authMethods)
                .put("scopes_supported", array("openid", "fhirUser", "profile", "launch", "launch/patient",
                        "launch/encounter", "offline_access", "online_access", "patient/*.rs", "user/*.rs",
                        "patient/*.read", "user/*.read"))
                .put("capabilities", array("launch-ehr", "launch-standalone", "client-public",
                        "client-confidential-symmetric", "client-confidential-asymmetric",
                        "context-passthrough-banner", "context-passthrough-style", "context-ehr-patient",
                        "context-standalone-patient", "permission-offline", "permission-patient",
                        "permission-user", "permission-v1", "permission-v2", "sso-openid-connect"));
        if (clientAuth == ClientAuth.PRIVATE_KEY_JWT) {
            config.put("token_endpoint_auth_signing_alg_values_supported", array("RS384", "ES384"));
        }
        return Outcome.json(200, config);
    }

    Outcome.Reply capabilityStatement() {
        String oauth = identity.baseUrl() + "/oauth";
        JsonObject oauthUris = new JsonObject()
                .put("url", OAUTH_URIS_EXTENSION)
                .put("extension", new JsonArray()
                        .add(new JsonObject().put("url", "authorize").put("valueUri", oauth + "/authorize"))
                        .add(new JsonObject().put("url", "token").put("valueUri", oauth + "/token"))
                        .add(new JsonObject().put("url", "revoke").put("valueUri", oauth + "/revoke")));
        JsonObject rest = new JsonObject()
                .put("mode", "server")
                .put("security", new JsonObject().put("extension", new JsonArray().add(oauthUris)))
                .put("resource", new JsonArray()
                        .add(new JsonObject().put("type", "Patient")
                                .put("interaction", new JsonArray().add(new JsonObject().put("code", "read"))))
                        .add(new JsonObject().put("type", "Observation")
                                .put("interaction", new JsonArray().add(new JsonObject().put("code", "search-type")))));
        JsonObject capabilities = new JsonObject()
                .put("resourceType", "CapabilityStatement")
                .put("status", "active")
                .put("date", "2026-01-01")
                .put("kind", "instance")
                .put("implementation", new JsonObject().put("description", "FakeSmartServer")
                        .put("url", identity.fhirBase()))
                .put("fhirVersion", "4.0.1")
                .put("format", array("json"))
                .put("rest", new JsonArray().add(rest));
        return new Outcome.Reply(200, Map.of("Content-Type", Outcome.FHIR_JSON), capabilities.encode());
    }
}
