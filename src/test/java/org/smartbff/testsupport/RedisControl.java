package org.smartbff.testsupport;

import java.io.IOException;

import redis.embedded.RedisServer;

/** The test Redis: a real redis-server process on 127.0.0.1 that a test may stop and start again (same port). */
public final class RedisControl {

    private final int port;
    private RedisServer server;

    RedisControl(int port) {
        this.port = port;
    }

    public int port() {
        return port;
    }

    public synchronized void start() {
        try {
            server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("save \"\"").setting("appendonly no").build();
            server.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test Redis on port " + port, e);
        }
    }

    public synchronized void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new IllegalStateException("cannot stop the test Redis", e);
            }
            server = null;
        }
    }
}
