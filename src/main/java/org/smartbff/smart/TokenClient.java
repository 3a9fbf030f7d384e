package org.smartbff.smart;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.smart.SmartServers.SmartServer;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClientException;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.Tokens;
import io.quarkus.oidc.client.runtime.OidcClientConfig;
import io.quarkus.oidc.common.runtime.config.OidcClientCommonConfig.Credentials.Secret;
import io.smallrye.mutiny.Uni;

/**
 * Token requests (code exchange, refresh) through quarkus-oidc-client, one client per configured server, made at
 * runtime from the discovered token endpoint. The client does the client authentication; this class turns its results
 * into {@link TokenResponse} and its failures into {@link TokenEndpointException}.
 */
@ApplicationScoped
public class TokenClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Client assertions live one minute: well within SMART's five, long enough for clock skew. */
    private static final int ASSERTION_LIFESPAN_SECONDS = 60;

    private final OidcClients oidcClients;
    private final ClientKeys clientKeys;
    private final SmartBffConfig.Http http;
    private final Map<String, Uni<OidcClient>> clients = new ConcurrentHashMap<>();

    public TokenClient(OidcClients oidcClients, ClientKeys clientKeys, SmartBffConfig config) {
        this.oidcClients = oidcClients;
        this.clientKeys = clientKeys;
        this.http = config.http();
    }

    /** Exchanges an authorization code (RFC 6749 section 4.1.3) with its PKCE verifier. */
    public Uni<TokenResponse> exchangeCode(SmartServer server, SmartConfiguration smart, String code,
            String redirectUri, String codeVerifier) {
        return ServerTimeoutException.bound(client(server, smart)
                .flatMap(client -> client.getTokens(Map.of("code", code, "redirect_uri", redirectUri,
                        "code_verifier", codeVerifier))),
                "token", http.serverTimeout())
                .onFailure().transform(TokenClient::classify)
                .map(TokenClient::toResponse);
    }

    /** Uses a refresh token (RFC 6749 section 6). */
    public Uni<TokenResponse> refresh(SmartServer server, SmartConfiguration smart, String refreshToken) {
        return ServerTimeoutException.bound(client(server, smart)
                .flatMap(client -> client.refreshTokens(refreshToken, Map.of())), "token", http.serverTimeout())
                .onFailure().transform(TokenClient::classify)
                .map(TokenClient::toResponse);
    }

    /**
     * Revokes a token (RFC 7009) with the server's client authentication. A server without a revocation endpoint
     * answers false. The token type hint helps servers that keep access and refresh tokens apart.
     */
    public Uni<Boolean> revoke(SmartServer server, SmartConfiguration smart, String token, String tokenTypeHint) {
        if (smart.revocationEndpoint() == null) {
            return Uni.createFrom().item(false);
        }
        return ServerTimeoutException.bound(client(server, smart)
                .flatMap(client -> client.revokeAccessToken(token, Map.of("token_type_hint", tokenTypeHint))),
                "revocation", http.serverTimeout());
    }

    private Uni<OidcClient> client(SmartServer server, SmartConfiguration smart) {
        // Keyed by the token endpoint too, so a server whose discovery changes gets a new client.
        String key = server.name() + " " + smart.tokenEndpoint();
        return clients.computeIfAbsent(key, ignored -> oidcClients.newClient(configFor(server, smart))
                .memoize().indefinitely()
                .onFailure().invoke(() -> clients.remove(key)));
    }

    private OidcClientConfig configFor(SmartServer server, SmartConfiguration smart) {
        var builder = OidcClientConfig.builder()
                .id("smart-bff-" + server.name())
                .authServerUrl(server.fhirBaseUrl())
                .discoveryEnabled(false)
                .tokenPath(smart.tokenEndpoint())
                .clientId(server.clientId())
                .connectionTimeout(http.connectTimeout())
                .earlyTokensAcquisition(false)
                .grant(OidcClientConfig.Grant.Type.CODE);
        if (smart.revocationEndpoint() != null) {
            builder.revokePath(smart.revocationEndpoint());
        }
        switch (server.clientAuth()) {
            case none -> {
                // A public client: client_id in the form, PKCE proves possession.
            }
            case client_secret_basic -> builder.credentials().clientSecret().value(server.clientSecret())
                    .method(Secret.Method.BASIC).end().end();
            case client_secret_post -> builder.credentials().clientSecret().value(server.clientSecret())
                    .method(Secret.Method.POST).end().end();
            case private_key_jwt -> {
                ClientKeys.SigningKey key = clientKeys.signingKey(server.clientAssertionAlgorithm())
                        .orElseThrow(() -> new IllegalStateException("server " + server.name() + " uses private_key_jwt with "
                                + server.clientAssertionAlgorithm() + " but smart-bff.jwks-file holds no such key"));
                // iss = sub = client id and aud = the token endpoint are the library's defaults; jti and iat are
                // added to every assertion.
                builder.credentials().jwt()
                        .key(key.privateKeyPem())
                        .signatureAlgorithm(key.algorithm())
                        .tokenKeyId(key.keyId())
                        .lifespan(ASSERTION_LIFESPAN_SECONDS)
                        .end().end();
            }
        }
        return builder.build();
    }

    private static Throwable classify(Throwable failure) {
        if (failure instanceof TokenEndpointException || failure instanceof ServerTimeoutException) {
            return failure;
        }
        if (failure instanceof OidcClientException) {
            // Its message is the error body of the token endpoint, or a fixed text when the server was unreachable.
            return TokenEndpointException.fromErrorBody(failure.getMessage());
        }
        return new TokenEndpointException(TokenEndpointException.Kind.UNAVAILABLE, "temporarily_unavailable",
                "the token endpoint could not be reached");
    }

    /**
     * The response as {@link TokenResponse}, once it has passed {@link ServerDataRules}: nothing a server sends becomes
     * part of a session before that, at login and at every refresh alike.
     */
    private static TokenResponse toResponse(Tokens tokens) {
        if (tokens.get(RawTokenResponseFilter.OVERSIZED_MEMBER) != null) {
            throw new ServerDataException("token_response", "is larger than "
                    + ServerDataRules.MAX_TOKEN_RESPONSE_BYTES / 1024 + " KB");
        }
        String raw = tokens.get(RawTokenResponseFilter.RAW_MEMBER);
        if (raw == null) {
            throw TokenEndpointException.invalidResponse("the token response is not JSON");
        }
        TokenResponse response;
        try {
            response = TokenResponse.parse(JSON.readTree(raw));
        } catch (IOException e) {
            throw TokenEndpointException.invalidResponse("the token response is not JSON");
        }
        ServerDataRules.checkTokenResponse(response);
        return response;
    }
}
