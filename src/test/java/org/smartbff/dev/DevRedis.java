package org.smartbff.dev;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import redis.embedded.RedisServer;

/**
 * A real redis-server (the binary shipped in the embedded-redis jar) for {@code quarkus:dev} on a machine with no Redis
 * and no Docker. It listens on 127.0.0.1 only, on a fixed port, so that a live reload finds the one it started before
 * (and the sessions in it) instead of starting another.
 */
final class DevRedis {

    private static RedisServer server;

    private DevRedis() {
    }

    /** Starts Redis on the port unless one already answers there; returns its URL. */
    static synchronized String ensureStarted(int port) {
        if (!answersPing(port)) {
            try {
                server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                        .setting("save \"\"").setting("appendonly no").build();
                server.start();
            } catch (IOException e) {
                throw new IllegalStateException("could not start the dev Redis on port " + port
                        + "; set quarkus.redis.hosts to use another Redis", e);
            }
            RedisServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.stop();
                } catch (IOException ignored) {
                    // the JVM is going away anyway
                }
            }, "dev-redis-stop"));
        }
        return "redis://127.0.0.1:" + port;
    }

    private static boolean answersPing(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.read(reply);
            return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
