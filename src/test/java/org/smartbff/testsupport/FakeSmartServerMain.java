package org.smartbff.testsupport;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import org.smartbff.testsupport.fake.FakeSmartServer;

import com.sun.net.httpserver.HttpServer;

/**
 * The {@link FakeSmartServer} as a process of its own, for the benchmark in {@code bench/} (which runs the packaged
 * smart-bff against it). Stops on SIGTERM/SIGINT.
 *
 * <pre>
 * java -cp target/test-classes:$(test classpath) org.smartbff.testsupport.FakeSmartServerMain \
 *     --port 18443 --stats-port 18444 --access-token-lifetime 5s \
 *     --accept-audience http://127.0.0.1:18080/fhir [--ready-file /tmp/fake.json] \
 *     [--refresh-tokens single-use-grants] [--record-requests false]
 * </pre>
 *
 * <p>
 * {@code --refresh-tokens single-use-grants} turns on {@link FakeSmartServer#grantsMode(boolean)} (a grant per
 * login, a replayed refresh token revokes its grant); {@code --record-requests false} keeps counters only, for a long
 * soak. {@code POST http://127.0.0.1:<stats-port>/control?token-fault=HANG_UP&fhir-fault=NONE} sets the faults of
 * {@link FakeSmartServer.TokenFault} and {@link FakeSmartServer.FhirFault} and the lifetime of the access tokens issued
 * from then on ({@code access-token-lifetime=2s}); any parameter may be left out.
 *
 * <p>
 * {@code GET http://127.0.0.1:<stats-port>/stats} answers {@code {"tokenRequests":n,"refreshGrants":n,
 * "requests":n}}: token endpoint calls, successful refresh grants, and every request the fake has seen. The fake's
 * own endpoints stay exactly those of the tests ({@code /oauth/authorize}, {@code /oauth/token}, {@code /oauth/jwks},
 * ...); the stats live on their own port so they never mix with what smart-bff calls.
 */
public final class FakeSmartServerMain {

    private FakeSmartServerMain() {
    }

    /** The parsed command line. */
    record Options(int port, int statsPort, Duration accessTokenLifetime, List<String> audiences, Path readyFile,
            boolean grants, boolean recordRequests) {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("FakeSmartServerMain: " + e.getMessage());
            System.err.println("usage: FakeSmartServerMain [--port N] [--stats-port N] [--access-token-lifetime 3600s]"
                    + " [--accept-audience URL]... [--ready-file PATH] [--refresh-tokens single-use-grants|rotating]"
                    + " [--record-requests true|false]");
            System.exit(2);
            return;
        }
        FakeSmartServer fake = FakeSmartServer.start(options.port());
        if (options.accessTokenLifetime() != null) {
            fake.accessTokenLifetime(options.accessTokenLifetime());
        }
        options.audiences().forEach(fake::acceptAudience);
        fake.grantsMode(options.grants()).recordRequests(options.recordRequests());

        HttpServer stats = HttpServer.create(new InetSocketAddress("127.0.0.1", options.statsPort()), 16);
        stats.createContext("/stats", exchange -> {
            byte[] body = statsJson(fake).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        stats.createContext("/control", exchange -> {
            int status = 204;
            try {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    status = 405;
                } else {
                    control(fake, exchange.getRequestURI().getRawQuery());
                }
            } catch (IllegalArgumentException e) {
                status = 400;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        stats.start();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stats.stop(0);
            fake.close();
            stopped.countDown();
        }, "fake-smart-server-shutdown"));

        String ready = "{\"baseUrl\":\"" + fake.baseUrl() + "\",\"fhirBase\":\"" + fake.fhirBase()
                + "\",\"issuer\":\"" + fake.issuer() + "\",\"clientId\":\"" + fake.clientId()
                + "\",\"patientId\":\"" + fake.patientId()
                + "\",\"statsUrl\":\"http://127.0.0.1:" + stats.getAddress().getPort() + "/stats\"}";
        if (options.readyFile() != null) {
            Path tmp = options.readyFile().resolveSibling(options.readyFile().getFileName() + ".tmp");
            Files.writeString(tmp, ready);
            Files.move(tmp, options.readyFile(), StandardCopyOption.ATOMIC_MOVE);
        }
        System.out.println(ready);
        System.out.flush();
        stopped.await();
    }

    static String statsJson(FakeSmartServer fake) {
        return "{\"tokenRequests\":" + fake.tokenRequests() + ",\"refreshGrants\":" + fake.refreshGrants()
                + ",\"requests\":" + fake.requestCount() + ",\"grantsIssued\":" + fake.grantsIssued()
                + ",\"refreshTokenReplays\":" + fake.refreshTokenReplays() + "}";
    }

    /**
     * {@code token-fault=NAME&fhir-fault=NAME&access-token-lifetime=DURATION}, any of them left out; an unknown name or
     * parameter is refused.
     */
    static void control(FakeSmartServer fake, String query) {
        if (query == null || query.isEmpty()) {
            throw new IllegalArgumentException("nothing to control");
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            switch (name) {
                case "token-fault" -> fake.tokenFault(FakeSmartServer.TokenFault.valueOf(value));
                case "fhir-fault" -> fake.fhirFault(FakeSmartServer.FhirFault.valueOf(value));
                case "access-token-lifetime" -> fake.accessTokenLifetime(duration(value));
                default -> throw new IllegalArgumentException("unknown control " + name);
            }
        }
    }

    static Options parse(String[] args) {
        int port = 0;
        int statsPort = 0;
        Duration lifetime = null;
        List<String> audiences = new ArrayList<>();
        Path readyFile = null;
        boolean grants = false;
        boolean recordRequests = true;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--port" -> port = Integer.parseInt(value);
                case "--stats-port" -> statsPort = Integer.parseInt(value);
                case "--access-token-lifetime" -> lifetime = duration(value);
                case "--accept-audience" -> audiences.add(value);
                case "--ready-file" -> readyFile = Path.of(value);
                case "--refresh-tokens" -> grants = switch (value) {
                    case "single-use-grants" -> true;
                    case "rotating" -> false;
                    default -> throw new IllegalArgumentException("--refresh-tokens is single-use-grants or rotating");
                };
                case "--record-requests" -> recordRequests = Boolean.parseBoolean(value);
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        return new Options(port, statsPort, lifetime, List.copyOf(audiences), readyFile, grants, recordRequests);
    }

    /** {@code 90}, {@code 90s}, {@code 2m} or an ISO-8601 duration ({@code PT90S}). */
    static Duration duration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("pt")) {
            return Duration.parse(value.trim());
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        if (v.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(v));
    }
}
