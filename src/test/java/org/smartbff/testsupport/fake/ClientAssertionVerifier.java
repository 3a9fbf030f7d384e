package org.smartbff.testsupport.fake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.JoseException;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Checks an RFC 7523 client assertion ({@code private_key_jwt}, SMART "asymmetric client authentication") as a
 * strict authorization server would.
 *
 * <p>
 * The client's JWK Set is fetched anew for every assertion, so a test can rotate the client's keys and see the
 * effect at the next token request. The fetch uses a Vert.x {@link HttpClient} and is fully asynchronous: the fake
 * has a single event loop, and the JWKS may even be served by a process that is itself waiting on the fake.
 * Signature and claim checks are short CPU work and run on the event loop after the fetch.
 *
 * <p>
 * What it checks: header {@code alg} is RS384 or ES384; header {@code kid} names a signing key of the
 * matching type in the JWKS, and that key verifies the signature; {@code iss} and {@code sub} are the client id;
 * {@code aud} is the token endpoint URL; {@code exp} is in the future and at most five minutes (plus
 * {@link #LEEWAY_SECONDS}) away; {@code nbf}, when present, has passed; {@code jti} is present. Whether the
 * {@code jti} was seen before is server state, so {@link ClientAuthentication} checks that itself. A JWKS that publishes
 * private key material is rejected too: a client doing that has leaked its key.
 */
final class ClientAssertionVerifier {

    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** SMART App Launch 2.x, asymmetric authentication: {@code exp} no more than five minutes in the future. */
    static final long MAX_LIFETIME_SECONDS = 300;
    static final long LEEWAY_SECONDS = 10;
    private static final Set<String> ALGORITHMS = Set.of(
            AlgorithmIdentifiers.RSA_USING_SHA384, AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384);
    /** JWK members that only a private (or symmetric) key has (RFC 7518 6.2.2, 6.3.2, 6.4.1). */
    private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private final HttpClient http;

    /** Either the verified header and claims, or why the assertion is not acceptable. */
    record Result(Map<String, Object> verified, String problem) {
        static Result accepted(Map<String, Object> verified) {
            return new Result(Collections.unmodifiableMap(new LinkedHashMap<>(verified)), null);
        }

        static Result rejected(String problem) {
            return new Result(null, problem);
        }

        boolean ok() {
            return problem == null;
        }
    }

    ClientAssertionVerifier(Vertx vertx) {
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(5_000)
                .setIdleTimeout(10));
    }

    /**
     * Fetches the JWKS at {@code jwksUrl} and checks {@code assertion} against it. The returned future always
     * succeeds; a failed fetch is a rejected result.
     */
    Future<Result> verify(String assertion, String jwksUrl, String clientId, String tokenEndpoint) {
        if (jwksUrl == null) {
            return Future.succeededFuture(Result.rejected("no client JWKS URL is configured (clientJwksUrl)"));
        }
        return fetch(jwksUrl).transform(fetched -> Future.succeededFuture(fetched.succeeded()
                ? check(assertion, fetched.result(), clientId, tokenEndpoint, Instant.now())
                : Result.rejected("the client's JWK Set could not be fetched from " + jwksUrl + ": "
                        + fetched.cause().getMessage())));
    }

    private Future<String> fetch(String url) {
        RequestOptions options;
        try {
            options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                    .putHeader("Accept", "application/jwk-set+json, application/json");
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return http.request(options)
                .compose(request -> request.send())
                .compose(response -> response.body().compose(body -> response.statusCode() == 200
                        ? Future.succeededFuture(body.toString(StandardCharsets.UTF_8))
                        : Future.failedFuture("HTTP " + response.statusCode())));
    }

    /** Pure: every check that needs no server state. Never throws. */
    static Result check(String assertion, String jwksJson, String clientId, String tokenEndpoint, Instant now) {
        try {
            return checkOrThrow(assertion, jwksJson, clientId, tokenEndpoint, now);
        } catch (JoseException | InvalidJwtException | MalformedClaimException | RuntimeException e) {
            return Result.rejected("malformed client assertion or JWKS: " + e.getMessage());
        }
    }

    private static Result checkOrThrow(String assertion, String jwksJson, String clientId, String tokenEndpoint,
            Instant now) throws JoseException, InvalidJwtException, MalformedClaimException {
        JsonArray keys = new JsonObject(jwksJson).getJsonArray("keys");
        if (keys == null) {
            return Result.rejected("the client's JWK Set has no keys array");
        }
        for (Object key : keys) {
            if (key instanceof JsonObject jwk && PRIVATE_MEMBERS.stream().anyMatch(jwk::containsKey)) {
                return Result.rejected("the client's JWK Set publishes private key material (kid "
                        + jwk.getString("kid") + ")");
            }
        }

        JsonWebSignature header = new JsonWebSignature();
        header.setCompactSerialization(assertion);
        String alg = header.getAlgorithmHeaderValue();
        if (!ALGORITHMS.contains(alg)) {
            return Result.rejected("client assertion alg must be RS384 or ES384, not " + alg);
        }
        String kid = header.getKeyIdHeaderValue();
        if (kid == null || kid.isBlank()) {
            return Result.rejected("client assertion has no kid header");
        }
        String kty = alg.startsWith("RS") ? "RSA" : "EC";
        List<JsonWebKey> candidates = new JsonWebKeySet(jwksJson).getJsonWebKeys().stream()
                .filter(k -> kid.equals(k.getKeyId()) && kty.equals(k.getKeyType()))
                .filter(k -> k.getUse() == null || "sig".equals(k.getUse()))
                .toList();
        if (candidates.isEmpty()) {
            return Result.rejected("no " + kty + " signing key with kid " + kid + " in the client's JWK Set");
        }
        String payload = null;
        for (JsonWebKey candidate : candidates) {
            payload = verifiedPayload(assertion, alg, candidate);
            if (payload != null) {
                break;
            }
        }
        if (payload == null) {
            return Result.rejected("client assertion signature does not verify with key " + kid);
        }

        JwtClaims claims = JwtClaims.parse(payload);
        if (!clientId.equals(claims.getIssuer()) || !clientId.equals(claims.getSubject())) {
            return Result.rejected("client assertion iss and sub must both be the client id " + clientId);
        }
        if (!claims.hasAudience() || !claims.getAudience().contains(tokenEndpoint)) {
            return Result.rejected("client assertion aud must be the token endpoint " + tokenEndpoint);
        }
        NumericDate exp = claims.getExpirationTime();
        long nowSeconds = now.getEpochSecond();
        if (exp == null || exp.getValue() <= nowSeconds) {
            return Result.rejected("client assertion exp is missing or not in the future");
        }
        if (exp.getValue() > nowSeconds + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS) {
            return Result.rejected("client assertion exp is more than " + MAX_LIFETIME_SECONDS + " s away");
        }
        NumericDate nbf = claims.getNotBefore();
        if (nbf != null && nbf.getValue() > nowSeconds + LEEWAY_SECONDS) {
            return Result.rejected("client assertion nbf is in the future");
        }
        String jti = claims.getJwtId();
        if (jti == null || jti.isBlank()) {
            return Result.rejected("client assertion has no jti");
        }

        Map<String, Object> verified = new LinkedHashMap<>();
        verified.put("alg", alg);
        verified.put("kid", kid);
        verified.put("iss", claims.getIssuer());
        verified.put("sub", claims.getSubject());
        verified.put("aud", claims.getClaimValue("aud")); // a string or a list, as sent
        verified.put("exp", exp.getValue());
        verified.put("iat", claims.getIssuedAt() == null ? null : claims.getIssuedAt().getValue());
        verified.put("jti", jti);
        return Result.accepted(verified);
    }

    /** The payload if {@code key} verifies the signature under {@code alg}, else null. */
    private static String verifiedPayload(String assertion, String alg, JsonWebKey key) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, alg));
            jws.setCompactSerialization(assertion);
            jws.setKey(key.getKey());
            return jws.verifySignature() ? jws.getPayload() : null;
        } catch (JoseException e) {
            return null; // e.g. an EC key on the wrong curve, or an RSA key that is too short
        }
    }
}
