package org.smartbff.testsupport;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import redis.embedded.RedisServer;

/** The test Redis: a real redis-server process on 127.0.0.1 that a test may stop and start again (same port). */
public final class RedisControl {

    private final int port;
    private final List<String> settings;
    private RedisServer server;

    RedisControl(int port) {
        this(port, List.of("save \"\"", "appendonly no"));
    }

    /** A Redis on this port with these redis.conf lines (e.g. {@code appendonly yes}, {@code dir /tmp/x}). */
    public RedisControl(int port, List<String> settings) {
        this.port = port;
        this.settings = List.copyOf(settings);
    }

    public int port() {
        return port;
    }

    public synchronized void start() {
        try {
            var builder = RedisServer.newRedisServer().bind("127.0.0.1").port(port);
            settings.forEach(builder::setting);
            server = builder.build();
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

    /**
     * Makes Redis refuse every write with an OOM error while reads go on working, as a Redis does that reached its
     * {@code maxmemory} under the {@code noeviction} policy; {@code false} lifts it.
     */
    public void refuseWrites(boolean refuse) {
        command("CONFIG", "SET", "maxmemory-policy", "noeviction");
        command("CONFIG", "SET", "maxmemory", refuse ? "1" : "0");
    }

    /** Sends one command in RESP over a fresh connection and returns the first line of the reply. */
    public String command(String... args) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            send(socket, args);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String reply = in.readLine();
            if (reply == null || reply.startsWith("-")) {
                throw new IllegalStateException("Redis refused " + args[0] + ": " + reply);
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the test Redis on port " + port, e);
        }
    }

    /** How many times Redis has run this command (lower case, e.g. {@code get}) since it started, from INFO. */
    public long calls(String command) {
        String info = bulk("INFO", "commandstats");
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : info.split("\r\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length())));
            }
        }
        return 0;
    }

    /** A section of INFO ({@code keyspace}, {@code replication}, ...) as Redis wrote it. */
    public String info(String section) {
        return bulk("INFO", section);
    }

    /** Sends one command whose reply is a bulk string, and returns that string. */
    private String bulk(String... args) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            send(socket, args);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            StringBuilder header = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IllegalStateException("Redis closed the connection");
                }
                header.append((char) c);
            }
            if (header.charAt(0) != '$') {
                throw new IllegalStateException("Redis refused " + args[0] + ": " + header.toString().trim());
            }
            byte[] body = new byte[Integer.parseInt(header.substring(1).trim())];
            in.readFully(body);
            return new String(body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the test Redis on port " + port, e);
        }
    }

    private static void send(Socket socket, String... args) throws IOException {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                    .append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
