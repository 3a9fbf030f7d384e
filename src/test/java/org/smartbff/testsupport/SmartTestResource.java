package org.smartbff.testsupport;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.ServerSocket;
import java.util.Map;

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

    private RedisControl redis;
    private int redisPort;
    private FakeSmartServer fake;

    @Override
    public Map<String, String> start() {
        redisPort = freePort();
        redis = new RedisControl(redisPort);
        redis.start();
        fake = FakeSmartServer.start();
        return Map.of(
                "quarkus.redis.hosts", "redis://127.0.0.1:" + redisPort,
                "smart-bff.public-url", "https://bff.example.test",
                "smart-bff.default-server", "fake",
                "smart-bff.servers.fake.fhir-base-url", fake.fhirBase(),
                "smart-bff.servers.fake.client-id", fake.clientId(),
                "smart-bff.servers.fake.scope", "openid fhirUser launch/patient patient/*.rs offline_access");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(Fake.class, FakeSmartServer.class));
        injector.injectIntoFields(redisPort, new TestInjector.AnnotatedAndMatchesType(RedisPort.class, int.class));
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
