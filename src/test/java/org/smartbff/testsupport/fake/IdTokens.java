package org.smartbff.testsupport.fake;

import java.util.function.Consumer;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The fake's signing key: RS256 id tokens, and the JWKS that publishes the public half. Touched under the fake's lock.
 */
final class IdTokens {

    private static final long LIFETIME_SECONDS = 300;

    /** The claims that vary between the id tokens of a code exchange and of a refresh. */
    record Spec(String subject, boolean withAudience, String nonce) {
    }

    private final RsaJsonWebKey key;
    private final Identity identity;
    // knobs
    boolean fhirUserAbsolute;
    boolean withoutKid;
    /** Null: {@link Identity#issuer()}. */
    String issuer;
    Consumer<JwtClaims> tamper;

    IdTokens(RsaJsonWebKey key, Identity identity) {
        this.key = key;
        this.identity = identity;
        restoreKnobs();
    }

    void restoreKnobs() {
        fhirUserAbsolute = false;
        withoutKid = false;
        issuer = null;
        tamper = null;
    }

    static RsaJsonWebKey generateKey() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId("fake-" + Forms.randomToken().substring(0, 8));
            key.setUse("sig");
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException("cannot generate RSA key", e);
        }
    }

    String sign(Spec spec) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer != null ? issuer : identity.issuer());
        claims.setSubject(spec.subject());
        if (spec.withAudience()) {
            claims.setAudience(Identity.CLIENT_ID);
        }
        NumericDate now = NumericDate.now();
        claims.setIssuedAt(now);
        claims.setExpirationTime(NumericDate.fromSeconds(now.getValue() + LIFETIME_SECONDS));
        if (spec.nonce() != null) {
            claims.setClaim("nonce", spec.nonce());
        }
        claims.setClaim("fhirUser", fhirUserAbsolute ? identity.fhirBase() + "/Practitioner/123" : "Practitioner/123");
        claims.setClaim("name", "Dr. Test Example");
        if (tamper != null) {
            tamper.accept(claims);
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        if (!withoutKid) {
            jws.setKeyIdHeaderValue(key.getKeyId());
        }
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign id token", e);
        }
    }

    /** {@code /oauth/jwks}: the one public key, never its private members. */
    Outcome.Reply jwks() {
        JsonObject publicJwk = new JsonObject(key.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        return Outcome.json(200, new JsonObject().put("keys", new JsonArray().add(publicJwk)));
    }

    /**
     * Signs and verifies one token on the starting thread, so the first requests do not block the event loop for
     * seconds with class loading (Vert.x would warn about a blocked thread).
     */
    void warmUp() {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setCompactSerialization(sign(new Spec(Identity.SUBJECT, true, "warm-up")));
            jws.setKey(key.getPublicKey());
            jws.verifySignature();
            JwtClaims.parse(jws.getPayload());
            Outcome.json(200, new JsonObject().put("warm", new JsonArray().add(1)));
        } catch (Exception e) {
            throw new IllegalStateException("warm-up failed", e);
        }
    }
}
