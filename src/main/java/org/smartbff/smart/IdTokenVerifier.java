package org.smartbff.smart;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.Hashes;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Verifies OpenID Connect id tokens with smallrye-jwt against the authorization server's JWKS. The signature check is
 * CPU work, so it runs on a worker thread, never on the event loop. A JWKS is cached per URL; a token that does not
 * verify against the cached set makes one fresh fetch (the server may have rotated its keys).
 */
@ApplicationScoped
public class IdTokenVerifier {

    private static final Set<SignatureAlgorithm> ALGORITHMS = Set.of(SignatureAlgorithm.RS256, SignatureAlgorithm.RS384,
            SignatureAlgorithm.RS512, SignatureAlgorithm.ES256, SignatureAlgorithm.ES384, SignatureAlgorithm.ES512,
            SignatureAlgorithm.PS256, SignatureAlgorithm.PS384, SignatureAlgorithm.PS512);
    private static final int CLOCK_SKEW_SECONDS = 60;

    private final HttpDocuments http;
    private final Map<String, String> jwksByUrl = new ConcurrentHashMap<>();

    public IdTokenVerifier(SmartBffConfig config) {
        this.http = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create("http://localhost"))
                .connectTimeout(config.http().connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.http().connectTimeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .followRedirects(false)
                .build(HttpDocuments.class);
    }

    /**
     * Verifies an id token from a code exchange per OpenID Connect Core 3.1.3.7: signature, {@code iss} (the discovery
     * document's issuer, which is often not the FHIR base), {@code aud} contains the client id, {@code exp}, and
     * {@code nonce}.
     */
    public Uni<IdTokenClaims> verifyAtLogin(String idToken, SmartConfiguration smart, String clientId, String nonce) {
        return verify(idToken, smart, clientId).map(jwt -> {
            String tokenNonce = stringClaim(jwt, "nonce");
            if (nonce != null && !Hashes.constantTimeEquals(nonce, tokenNonce)) {
                throw new IdTokenException("the id token's nonce does not match the launch");
            }
            return claims(jwt);
        });
    }

    /**
     * Verifies an id token from a refresh. Some servers leave out {@code aud} and {@code nonce} there; that is accepted
     * only for the same issuer and subject as at login, never for another user.
     */
    public Uni<IdTokenClaims> verifyAtRefresh(String idToken, SmartConfiguration smart, String clientId,
            IdTokenClaims previous) {
        return verify(idToken, smart, null).map(jwt -> {
            Set<String> audience = jwt.getAudience();
            if (audience != null && !audience.isEmpty() && !audience.contains(clientId)) {
                throw new IdTokenException("the refreshed id token is for another client");
            }
            IdTokenClaims claims = claims(jwt);
            if (previous != null && (!previous.subject().equals(claims.subject())
                    || (previous.issuer() != null && !previous.issuer().equals(claims.issuer())))) {
                throw new IdTokenException("the refreshed id token is for another user");
            }
            return claims;
        });
    }

    private Uni<JsonWebToken> verify(String idToken, SmartConfiguration smart, String clientId) {
        if (smart.jwksUri() == null) {
            return Uni.createFrom().failure(new IdTokenException("the server publishes no jwks_uri to verify id tokens"));
        }
        String cached = jwksByUrl.get(smart.jwksUri());
        Uni<JsonWebToken> fresh = fetchJwks(smart.jwksUri())
                .flatMap(jwks -> parseOffLoop(idToken, jwks, smart.issuer(), clientId));
        if (cached == null) {
            return fresh;
        }
        return parseOffLoop(idToken, cached, smart.issuer(), clientId)
                .onFailure(IdTokenException.class).recoverWithUni(() -> fresh);
    }

    private Uni<String> fetchJwks(String url) {
        return http.get(url, "application/json")
                .onFailure().transform(failure -> new IdTokenException("the JWKS of the authorization server could not be fetched"))
                .invoke(jwks -> jwksByUrl.put(url, jwks));
    }

    private static Uni<JsonWebToken> parseOffLoop(String idToken, String jwks, String issuer, String clientId) {
        return Uni.createFrom().item(() -> parse(idToken, jwks, issuer, clientId))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static JsonWebToken parse(String idToken, String jwks, String issuer, String clientId) {
        JWTAuthContextInfo context = new JWTAuthContextInfo();
        context.setPublicKeyContent(jwks);
        context.setSignatureAlgorithm(ALGORITHMS);
        context.setClockSkew(CLOCK_SKEW_SECONDS);
        if (issuer != null) {
            context.setIssuedBy(issuer);
        }
        if (clientId != null) {
            context.setExpectedAudience(Set.of(clientId));
        }
        try {
            return new DefaultJWTParser(context).parse(idToken);
        } catch (ParseException e) {
            // The parser's message may quote claims; the token itself is never part of it, but keep the message generic.
            throw new IdTokenException("the id token did not verify (signature, issuer, audience or expiry)");
        }
    }

    private static IdTokenClaims claims(JsonWebToken jwt) {
        return new IdTokenClaims(jwt.getIssuer(), jwt.getSubject(), stringClaim(jwt, "fhirUser"),
                stringClaim(jwt, "name"));
    }

    /** smallrye-jwt gives custom claims as JSON-P values; a string claim is wanted as a plain string. */
    private static String stringClaim(JsonWebToken jwt, String name) {
        Object value = jwt.getClaim(name);
        if (value instanceof jakarta.json.JsonString string) {
            return string.getString();
        }
        return value instanceof String string ? string : null;
    }
}
