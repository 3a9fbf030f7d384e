package org.smartbff.smart;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.smartbff.common.Hashes;
import org.smartbff.config.SmartBffConfig;

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
    private final Duration serverTimeout;
    private final Map<String, String> jwksByUrl = new ConcurrentHashMap<>();

    public IdTokenVerifier(SmartBffConfig config) {
        this.http = HttpDocuments.create(config.http());
        this.serverTimeout = config.http().serverTimeout();
    }

    /**
     * Verifies an id token from a code exchange per OpenID Connect Core 3.1.3.7: signature, {@code iss} (see
     * {@link #issuerAccepted}), {@code aud} contains the client id, {@code exp}, and {@code nonce}.
     *
     * <p>
     * A nonce in the token must be the launch's. A token without one is accepted: the code was bound to this browser's
     * launch by PKCE, which is what the nonce would add in the code flow (RFC 9700 2.1.1), and some SMART servers (older
     * releases of the public SMART launcher) never echo it.
     */
    public Uni<IdTokenClaims> verifyAtLogin(String idToken, SmartConfiguration smart, String clientId, String nonce) {
        return verify(idToken, smart, clientId).map(jwt -> {
            String tokenNonce = stringClaim(jwt, "nonce");
            if (tokenNonce != null && !Hashes.constantTimeEquals(tokenNonce, nonce)) {
                throw new IdTokenException("the id token's nonce does not match the launch");
            }
            return claims(jwt);
        });
    }

    /**
     * The {@code iss} of an id token must be the discovery document's {@code issuer}. Some servers name another issuer
     * in their id tokens than in discovery (the public SMART launcher signs as {@code {base}/auth/fhir} while
     * discovering {@code {base}/fhir}); an issuer on the same origin as the token endpoint that handed over the token
     * is accepted too, never one on another origin.
     */
    static boolean issuerAccepted(String issuer, SmartConfiguration smart) {
        if (issuer == null || issuer.isBlank()) {
            return false;
        }
        if (issuer.equals(smart.issuer())) {
            return true;
        }
        return sameOrigin(issuer, smart.tokenEndpoint());
    }

    private static boolean sameOrigin(String a, String b) {
        try {
            URI first = URI.create(a);
            URI second = URI.create(b);
            return first.getScheme() != null && first.getScheme().equalsIgnoreCase(second.getScheme())
                    && first.getHost() != null && first.getHost().equalsIgnoreCase(second.getHost())
                    && effectivePort(first) == effectivePort(second);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
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

    /**
     * Makes sure the server's JWKS is at hand, fetching it when it is not cached. A refresh calls this before its token
     * request leaves: once the server has rotated the refresh token, every millisecond until the refreshed session is
     * saved is one in which a crash of this replica loses the session, and a JWKS fetch need not be one of them. A
     * failure is left for the verification to report.
     */
    public Uni<Void> prefetchKeys(SmartConfiguration smart) {
        if (smart.jwksUri() == null || jwksByUrl.containsKey(smart.jwksUri())) {
            return Uni.createFrom().voidItem();
        }
        return fetchJwks(smart.jwksUri()).replaceWithVoid().onFailure().recoverWithNull();
    }

    private Uni<JsonWebToken> verify(String idToken, SmartConfiguration smart, String clientId) {
        try {
            ServerDataRules.checkIdTokenLength(idToken);
        } catch (ServerDataException tooLong) {
            return Uni.createFrom().failure(tooLong);
        }
        if (smart.jwksUri() == null) {
            // SMART 1.0 servers discovered from their CapabilityStatement name no JWKS. The token came straight from
            // their token endpoint over a connection we opened, which OpenID Connect Core 3.1.3.7 (6) accepts in place
            // of a signature check; every claim is still checked.
            return Uni.createFrom().item(() -> unsigned(idToken, clientId)).invoke(jwt -> {
                if (!issuerAccepted(jwt.getIssuer(), smart)) {
                    throw new IdTokenException("the id token was issued by an unexpected issuer");
                }
            });
        }
        String cached = jwksByUrl.get(smart.jwksUri());
        Uni<JsonWebToken> fresh = fetchJwks(smart.jwksUri()).flatMap(jwks -> parseOffLoop(idToken, jwks, clientId));
        // A token that does not verify against the cached keys gets one try with freshly fetched ones (rotation).
        Uni<JsonWebToken> verified = cached == null ? fresh
                : parseOffLoop(idToken, cached, clientId).onFailure(IdTokenException.class).recoverWithUni(() -> fresh);
        return verified.invoke(jwt -> {
            if (!issuerAccepted(jwt.getIssuer(), smart)) {
                throw new IdTokenException("the id token was issued by an unexpected issuer");
            }
        });
    }

    private Uni<String> fetchJwks(String url) {
        return ServerTimeoutException.bound(http.get(url, "application/json"), "jwks", serverTimeout)
                .onFailure(failure -> !(failure instanceof ServerTimeoutException))
                .transform(failure -> new IdTokenException("the JWKS of the authorization server could not be fetched"))
                .invoke(jwks -> jwksByUrl.put(url, jwks));
    }

    private static Uni<JsonWebToken> parseOffLoop(String idToken, String jwks, String clientId) {
        return Uni.createFrom().item(() -> parse(idToken, jwks, clientId))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static JsonWebToken parse(String idToken, String jwks, String clientId) {
        JWTAuthContextInfo context = new JWTAuthContextInfo();
        context.setPublicKeyContent(jwks);
        context.setSignatureAlgorithm(ALGORITHMS);
        context.setClockSkew(CLOCK_SKEW_SECONDS);
        if (clientId != null) {
            context.setExpectedAudience(Set.of(clientId));
        }
        try {
            return new DefaultJWTParser(context).parse(idToken);
        } catch (ParseException e) {
            // The parser's message may quote claims; the token itself is never part of it, but keep the message generic.
            throw new IdTokenException("the id token did not verify (signature, audience or expiry)");
        }
    }

    private static JsonWebToken unsigned(String idToken, String clientId) {
        JsonWebToken jwt;
        try {
            jwt = new DefaultJWTParser().parseOnly(idToken);
        } catch (ParseException e) {
            throw new IdTokenException("the id token is not a JWT");
        }
        long now = System.currentTimeMillis() / 1000;
        if (jwt.getExpirationTime() == 0 || jwt.getExpirationTime() + CLOCK_SKEW_SECONDS < now) {
            throw new IdTokenException("the id token has expired");
        }
        if (clientId != null && (jwt.getAudience() == null || !jwt.getAudience().contains(clientId))) {
            throw new IdTokenException("the id token is for another client");
        }
        return jwt;
    }

    /** The identity a session keeps, once it has passed {@link ServerDataRules#checkIdentity}. */
    private static IdTokenClaims claims(JsonWebToken jwt) {
        IdTokenClaims claims = new IdTokenClaims(jwt.getIssuer(), jwt.getSubject(), stringClaim(jwt, "fhirUser"),
                stringClaim(jwt, "name"));
        ServerDataRules.checkIdentity(claims);
        return claims;
    }

    /** smallrye-jwt gives custom claims as JSON-P values; a string claim is wanted as a plain string. */
    private static String stringClaim(JsonWebToken jwt, String name) {
        Object value = jwt.getClaim(name);
        if (value instanceof JsonString string) {
            return string.getString();
        }
        return value instanceof String string ? string : null;
    }
}
