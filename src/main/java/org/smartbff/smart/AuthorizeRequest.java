package org.smartbff.smart;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The authorization request of a SMART App Launch (authorization code grant with PKCE S256). Pure: it builds the URL
 * the browser is sent to and sends nothing.
 *
 * @param authorizationEndpoint from discovery
 * @param clientId the client id registered at the server
 * @param redirectUri {@code {public-url}/auth/callback}
 * @param scope space-separated scopes
 * @param state unguessable, single use
 * @param audience the FHIR base URL ({@code aud}), which keeps a token from being replayed at another server
 * @param codeChallenge the PKCE S256 challenge
 * @param nonce OpenID Connect nonce, null when {@code openid} is not requested
 * @param launch the EHR's launch id for an EHR launch, null for a standalone launch
 */
public record AuthorizeRequest(String authorizationEndpoint, String clientId, String redirectUri, String scope,
        String state, String audience, String codeChallenge, String nonce, String launch) {

    /** The URL to redirect the browser to. Parameter values are percent-encoded; the endpoint's own query is kept. */
    public String toUrl() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("response_type", "code");
        parameters.put("client_id", clientId);
        parameters.put("redirect_uri", redirectUri);
        parameters.put("scope", scope);
        parameters.put("state", state);
        parameters.put("aud", audience);
        parameters.put("code_challenge", codeChallenge);
        parameters.put("code_challenge_method", Pkce.METHOD);
        parameters.put("nonce", nonce);
        parameters.put("launch", launch);
        return FormEncoding.appendQuery(authorizationEndpoint, parameters);
    }

    @Override
    public String toString() {
        // state and nonce are single-use secrets of the flow: not for logs.
        return "AuthorizeRequest[endpoint=" + authorizationEndpoint + ", clientId=" + clientId + ", scope=" + scope
                + ", launch=" + (launch != null ? "present" : "absent") + "]";
    }
}
