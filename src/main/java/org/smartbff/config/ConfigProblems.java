package org.smartbff.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.smartbff.common.EncryptionKeys;
import org.smartbff.config.SmartBffConfig.ClientAuth;

/**
 * Settings that cannot work, found before the service starts rather than at the first login. Each problem is one line
 * that names the setting and says what to set; no line ever quotes a secret. Pure but for asking whether the JWKS file
 * can be read.
 */
public final class ConfigProblems {

    private static final int KEY_BYTES = 32;

    private ConfigProblems() {
    }

    public static List<String> of(SmartBffConfig config) {
        List<String> problems = new ArrayList<>();
        if (!isHttpUrl(config.publicUrl())) {
            problems.add("smart-bff.public-url must be the absolute http(s) URL at which browsers reach smart-bff "
                    + "(e.g. https://app.hospital.example), not '" + config.publicUrl() + "'");
        }
        if (config.servers().isEmpty()) {
            problems.add("no SMART server is configured: set smart-bff.servers.<name>.fhir-base-url and "
                    + "smart-bff.servers.<name>.client-id");
        } else if (!config.servers().containsKey(config.defaultServer())) {
            problems.add("smart-bff.default-server names '" + config.defaultServer()
                    + "', which is not among smart-bff.servers: " + config.servers().keySet());
        }
        config.servers().forEach((name, server) -> problems.addAll(serverProblems(name, server, config.jwksFile())));
        config.jwksFile().filter(file -> !file.isBlank()).filter(file -> !Files.isReadable(Path.of(file)))
                .ifPresent(file -> problems.add("smart-bff.jwks-file " + file + " cannot be read"));
        problems.addAll(keyProblems(config.session()));
        return problems;
    }

    /**
     * The budget of request bodies held at once must hold one body of the largest accepted size (sizes in bytes; the
     * caller reads them from {@link SmartBffConfig.Proxy}).
     */
    public static List<String> bodyBudgetProblems(long heldBodies, long maxRequestBody) {
        if (heldBodies >= maxRequestBody) {
            return List.of();
        }
        return List.of("smart-bff.proxy.held-bodies (" + heldBodies + " bytes) must be at least "
                + "smart-bff.proxy.max-request-body (" + maxRequestBody + " bytes), or a body of the largest accepted "
                + "size could never be held");
    }

    private static List<String> serverProblems(String name, SmartBffConfig.Server server, Optional<String> jwksFile) {
        String prefix = "smart-bff.servers." + name + ".";
        List<String> problems = new ArrayList<>();
        if (!isHttpUrl(server.fhirBaseUrl())) {
            problems.add(prefix + "fhir-base-url must be an absolute http(s) URL, not '" + server.fhirBaseUrl() + "'");
        }
        ClientAuth auth = server.clientAuth();
        boolean secretSet = server.clientSecret().filter(secret -> !secret.isBlank()).isPresent();
        if ((auth == ClientAuth.client_secret_basic || auth == ClientAuth.client_secret_post) && !secretSet) {
            problems.add(prefix + "client-auth is " + auth + " but " + prefix + "client-secret is not set (env "
                    + envName(prefix + "client-secret") + ")");
        }
        String algorithm = server.clientAssertionAlgorithm().trim().toUpperCase(Locale.ROOT);
        if (!algorithm.equals("RS384") && !algorithm.equals("ES384")) {
            problems.add(prefix + "client-assertion-algorithm must be RS384 or ES384, not " + algorithm);
        }
        if (auth == ClientAuth.private_key_jwt && jwksFile.filter(file -> !file.isBlank()).isEmpty()) {
            problems.add(prefix + "client-auth is private_key_jwt but smart-bff.jwks-file (the client's private keys) "
                    + "is not set");
        }
        Map.of("authorization", server.endpoints().authorization(), "token", server.endpoints().token(),
                "revocation", server.endpoints().revocation(), "jwks", server.endpoints().jwks())
                .forEach((endpoint, url) -> url.filter(value -> !isHttpUrl(value)).ifPresent(value -> problems.add(
                        prefix + "endpoints." + endpoint + " must be an absolute http(s) URL, not '" + value + "'")));
        return problems;
    }

    private static List<String> keyProblems(SmartBffConfig.Session session) {
        List<String> problems = new ArrayList<>();
        Optional<String> current = session.encryptionKey().filter(key -> !key.isBlank());
        if (current.isEmpty() && !session.allowGeneratedKey()) {
            problems.add("smart-bff.session.encryption-key is not set: set it (env SMART_BFF_SESSION_ENCRYPTION_KEY) to "
                    + "32 random bytes, base64 (openssl rand -base64 32), from a Secret");
        }
        current.ifPresent(key -> keyProblem("smart-bff.session.encryption-key", key).ifPresent(problems::add));
        session.previousEncryptionKeys().orElse(List.of()).forEach(key -> keyProblem(
                "smart-bff.session.previous-encryption-keys", key).ifPresent(problems::add));
        return problems;
    }

    /** The value is a key: the line says what is wrong with it, never what it is. */
    private static Optional<String> keyProblem(String setting, String key) {
        byte[] bytes;
        try {
            bytes = EncryptionKeys.decode(key);
        } catch (IllegalStateException notBase64) {
            return Optional.of(setting + " is not valid base64: set 32 random bytes, base64 (openssl rand -base64 32)");
        }
        return bytes.length == KEY_BYTES ? Optional.empty()
                : Optional.of(setting + " must be 32 bytes (AES-256) once base64-decoded, not " + bytes.length
                        + ": make one with openssl rand -base64 32");
    }

    static boolean isHttpUrl(String value) {
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
