package org.smartbff.smart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jose4j.json.JsonUtil;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;
import org.smartbff.config.SmartBffConfig;

/**
 * The BFF's own signing keys for {@code private_key_jwt}, read once from {@code smart-bff.jwks-file}. Their public
 * halves are what {@code /.well-known/jwks.json} serves. Private key material never leaves this class except as the
 * signing key handed to the token client.
 */
@ApplicationScoped
public class ClientKeys {

    private static final Logger LOG = Logger.getLogger(ClientKeys.class);

    /** A key that may sign, by algorithm. */
    public record SigningKey(String keyId, String algorithm, PrivateKey privateKey) {

        /** PKCS#8 PEM, the form quarkus-oidc-client reads. */
        public String privateKeyPem() {
            return "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(privateKey.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        }

        @Override
        public String toString() {
            return "SigningKey[kid=" + keyId + ", alg=" + algorithm + "]";
        }
    }

    private final Map<String, SigningKey> signingKeyByAlgorithm = new LinkedHashMap<>();
    private final String publicJwks;

    public ClientKeys(SmartBffConfig config) {
        List<Map<String, Object>> published = new ArrayList<>();
        config.jwksFile().filter(file -> !file.isBlank()).ifPresent(file -> {
            for (PublicJsonWebKey key : read(Path.of(file))) {
                String algorithm = algorithmOf(key);
                // The last key of an algorithm in the file signs: rotation appends the new key and keeps the old one
                // published until assertions signed with it have expired.
                signingKeyByAlgorithm.put(algorithm, new SigningKey(key.getKeyId(), algorithm, key.getPrivateKey()));
                Map<String, Object> publicKey = new LinkedHashMap<>(key.toParams(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
                publicKey.put("use", "sig");
                publicKey.put("alg", algorithm);
                published.add(publicKey);
            }
            LOG.infof("Loaded %d client signing key(s) from %s; signing with %s", published.size(), file,
                    signingKeyByAlgorithm.values());
        });
        this.publicJwks = JsonUtil.toJson(Map.of("keys", published));
    }

    /** The key that signs client assertions of this algorithm (RS384 or ES384). */
    public Optional<SigningKey> signingKey(String algorithm) {
        return Optional.ofNullable(signingKeyByAlgorithm.get(algorithm));
    }

    /** {@code {"keys": [...]}} with public parts only. */
    public String publicJwks() {
        return publicJwks;
    }

    private static List<PublicJsonWebKey> read(Path file) {
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("smart-bff.jwks-file " + file + " cannot be read: " + e.getMessage());
        }
        List<PublicJsonWebKey> keys = new ArrayList<>();
        try {
            for (JsonWebKey key : new JsonWebKeySet(json).getJsonWebKeys()) {
                if (!(key instanceof PublicJsonWebKey asymmetric) || asymmetric.getPrivateKey() == null) {
                    throw new IllegalStateException("smart-bff.jwks-file holds a key without a private part (kid "
                            + key.getKeyId() + "): it must hold the BFF's private RSA or EC keys");
                }
                if (asymmetric.getKeyId() == null) {
                    asymmetric.setKeyId(asymmetric.calculateBase64urlEncodedThumbprint("SHA-256"));
                }
                keys.add(asymmetric);
            }
        } catch (JoseException e) {
            // The message of a parse error may quote key material: say only where the problem is.
            throw new IllegalStateException("smart-bff.jwks-file " + file + " is not a valid JWK Set");
        }
        return keys;
    }

    private static String algorithmOf(PublicJsonWebKey key) {
        String declared = key.getAlgorithm();
        if (key instanceof RsaJsonWebKey && key.getPrivateKey() instanceof RSAPrivateKey) {
            if (declared != null && !declared.equals("RS384")) {
                throw new IllegalStateException("RSA key " + key.getKeyId() + " is declared for " + declared
                        + "; SMART client assertions use RS384");
            }
            return "RS384";
        }
        if (key instanceof EllipticCurveJsonWebKey ec && key.getPrivateKey() instanceof ECPrivateKey) {
            if (!EllipticCurves.P_384.equals(ec.getCurveName()) || (declared != null && !declared.equals("ES384"))) {
                throw new IllegalStateException("EC key " + key.getKeyId() + " must be a P-384 key for ES384");
            }
            return "ES384";
        }
        throw new IllegalStateException("key " + key.getKeyId() + " is neither RSA nor EC P-384");
    }
}
