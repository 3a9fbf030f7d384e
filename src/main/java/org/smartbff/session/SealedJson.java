package org.smartbff.session;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.common.EncryptionKeys;
import org.smartbff.common.RandomTokens;
import org.smartbff.config.SmartBffConfig;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Records as JSON, sealed with the {@link RecordCipher}, bound to the Redis key they are stored under. */
@ApplicationScoped
public class SealedJson {

    private static final Logger LOG = Logger.getLogger(SealedJson.class);

    private final ObjectMapper json = new ObjectMapper()
            // A record written by a newer replica during a rolling update must still open here.
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final RecordCipher cipher;

    public SealedJson(SmartBffConfig config) {
        this.cipher = cipherFrom(config.session());
        LOG.infof("Session records are sealed with key %s", cipher.currentKeyId());
    }

    static RecordCipher cipherFrom(SmartBffConfig.Session session) {
        List<byte[]> previous = session.previousEncryptionKeys().orElse(List.of()).stream()
                .map(EncryptionKeys::decode).toList();
        Optional<String> current = session.encryptionKey().filter(key -> !key.isBlank());
        if (current.isPresent()) {
            return new RecordCipher(EncryptionKeys.decode(current.get()), previous);
        }
        if (!session.allowGeneratedKey()) {
            throw new IllegalStateException("smart-bff.session.encryption-key is not set: give it 32 random bytes, "
                    + "base64 (for example `openssl rand -base64 32`), from a Secret");
        }
        LOG.warn("smart-bff.session.encryption-key is not set: using a random key made at startup. Sessions will not "
                + "survive a restart nor be shared between replicas. Set the key for any real deployment.");
        return new RecordCipher(Base64.getUrlDecoder().decode(RandomTokens.random256()), previous);
    }

    public String seal(Object record, String redisKey) {
        try {
            return cipher.seal(json.writeValueAsBytes(record), redisKey);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + record.getClass().getSimpleName(), e);
        }
    }

    /** @throws UnreadableRecordException when the value does not open or does not parse */
    public <T> T open(String sealed, String redisKey, Class<T> type) {
        byte[] plaintext = cipher.open(sealed, redisKey);
        try {
            return json.readValue(plaintext, type);
        } catch (IOException e) {
            throw new UnreadableRecordException("record does not parse as " + type.getSimpleName());
        }
    }
}
