package org.smartbff.testsupport;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The outside world of a smart-bff under test: a real Redis (the embedded-redis binary, on a free port of 127.0.0.1)
 * and the {@link FakeSmartServer}, with the configuration that points smart-bff at both. Tests get the fake through a
 * field annotated {@link Fake}.
 */
public class SmartTestResource implements QuarkusTestResourceLifecycleManager {

    /** Marks the field of a test that receives the running {@link FakeSmartServer}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Fake {
    }

    /** Marks the field of a test that receives the test Redis's port. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface RedisPort {
    }

    /** Marks the field of a test that receives the {@link RedisControl} of the test Redis. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Redis {
    }

    /** The secret of the confidential test clients; the fake is told the same one. */
    public static final String CLIENT_SECRET = "test-client-secret-3f9a";

    private RedisControl redis;
    private int bffPort;
    private int managementPort;
    private int redisPort;
    private FakeSmartServer fake;

    @Override
    public Map<String, String> start() {
        redisPort = freePort();
        redis = new RedisControl(redisPort);
        redis.start();
        fake = FakeSmartServer.start();
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + redisPort);
        // A port chosen here rather than by Quarkus, so the public URL (and the redirect URI a real browser follows in
        // the end-to-end test) is known before the application starts.
        bffPort = freePort();
        config.put("quarkus.http.test-port", Integer.toString(bffPort));
        // Health and metrics listen on the management interface, a port of their own (9000 in production).
        managementPort = freePort();
        config.put("quarkus.management.test-port", Integer.toString(managementPort));
        config.put("smart-bff.public-url", publicUrl());
        config.put("smart-bff.default-server", "fake");
        // A fixed key for this run, so that a second service graph in the same test (another "replica") reads the
        // same records.
        config.put("smart-bff.session.encryption-key", TestKeys.randomEncryptionKey());
        config.put("smart-bff.jwks-file", TestKeys.writeClientJwks().toString());
        server(config, "fake", "none");
        server(config, "fake-basic", "client_secret_basic");
        server(config, "fake-post", "client_secret_post");
        server(config, "fake-rs384", "private_key_jwt");
        server(config, "fake-es384", "private_key_jwt");
        config.put("smart-bff.servers.fake-es384.client-assertion-algorithm", "ES384");
        // A user-level session with every interaction, for the proxy's interaction tests.
        server(config, "fake-user", "none");
        config.put("smart-bff.servers.fake-user.scope", "openid fhirUser user/*.cruds offline_access");
        // A FHIR base nobody listens on, behind the fake's authorization server (endpoints given, not discovered).
        String downBase = "http://127.0.0.1:" + freePort() + "/fhir";
        fake.acceptAudience(downBase);
        server(config, "fake-down", "none");
        config.put("smart-bff.servers.fake-down.fhir-base-url", downBase);
        config.put("smart-bff.servers.fake-down.endpoints.authorization", fake.baseUrl() + "/oauth/authorize");
        config.put("smart-bff.servers.fake-down.endpoints.token", fake.baseUrl() + "/oauth/token");
        config.put("smart-bff.servers.fake-down.endpoints.jwks", fake.baseUrl() + "/oauth/jwks");
        config.put("smart-bff.servers.fake-down.endpoints.issuer", fake.issuer());
        // Short enough for a timeout test, far longer than any answer of the fake.
        config.put("smart-bff.http.upstream-timeout", "3S");
        // The same for SMART servers' discovery, JWKS, token and revocation calls (the stall tests wait this long).
        config.put("smart-bff.http.server-timeout", "3S");
        config.put("smart-bff.proxy.max-request-body", "1M");
        config.put("smart-bff.proxy.held-bodies", "1M");
        return config;
    }

    /** Every test server is the same fake, reached with another client authentication. */
    private void server(Map<String, String> config, String name, String clientAuth) {
        String prefix = "smart-bff.servers." + name + ".";
        config.put(prefix + "fhir-base-url", fake.fhirBase());
        config.put(prefix + "client-id", fake.clientId());
        config.put(prefix + "scope", "openid fhirUser launch/patient patient/*.rs offline_access");
        config.put(prefix + "client-auth", clientAuth);
        if (clientAuth.startsWith("client_secret")) {
            config.put(prefix + "client-secret", CLIENT_SECRET);
        }
    }

    private String publicUrl() {
        return "http://localhost:" + bffPort;
    }

    /** Marks an int field of a test that receives the management interface's port (health, metrics). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface ManagementPort {
    }

    /** Marks a String field of a test that receives the BFF's public URL ({@code smart-bff.public-url}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface PublicUrl {
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(publicUrl(), new TestInjector.AnnotatedAndMatchesType(PublicUrl.class, String.class));
        injector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(Fake.class, FakeSmartServer.class));
        injector.injectIntoFields(redisPort, new TestInjector.AnnotatedAndMatchesType(RedisPort.class, int.class));
        injector.injectIntoFields(managementPort,
                new TestInjector.AnnotatedAndMatchesType(ManagementPort.class, int.class));
        injector.injectIntoFields(redis, new TestInjector.AnnotatedAndMatchesType(Redis.class, RedisControl.class));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
