package org.smartbff.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

/** Keys made fresh for each test run: nothing secret is ever committed, not even for tests. */
public final class TestKeys {

    private TestKeys() {
    }

    public static String randomEncryptionKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * A JWK Set file with the BFF's private client keys: an old and a new RSA key (the new one, last, signs) and one EC
     * P-384 key.
     */
    public static Path writeClientJwks() {
        try {
            PublicJsonWebKey oldRsa = RsaJwkGenerator.generateJwk(2048);
            oldRsa.setKeyId("rsa-old");
            PublicJsonWebKey newRsa = RsaJwkGenerator.generateJwk(2048);
            newRsa.setKeyId("rsa-new");
            PublicJsonWebKey ec = EcJwkGenerator.generateJwk(EllipticCurves.P384);
            ec.setKeyId("ec-1");
            String json = new JsonWebKeySet(List.<JsonWebKey> of(oldRsa, newRsa, ec))
                    .toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE);
            Path file = Files.createTempFile("smart-bff-client-jwks", ".json");
            file.toFile().deleteOnExit();
            Files.writeString(file, json);
            return file;
        } catch (JoseException | IOException e) {
            throw new IllegalStateException("cannot make test keys", e);
        }
    }
}
