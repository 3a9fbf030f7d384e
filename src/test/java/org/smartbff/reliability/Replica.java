package org.smartbff.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One smart-bff replica: the packaged jar ({@code target/quarkus-app/quarkus-run.jar}) as a process of its own on
 * 127.0.0.1, as a pod runs it. Stopped with SIGTERM ({@link #terminate()}) or SIGKILL ({@link #kill()}).
 */
final class Replica implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final int port;
    /** Quarkus' management interface (health, metrics): a port of its own, on loopback like the application's. */
    private final int managementPort = Processes.freePort();
    private final Map<String, String> properties;
    private final Path log;
    private Process process;

    Replica(String name, int port, Map<String, String> properties, Path logDir) {
        this.name = name;
        this.port = port;
        this.properties = properties;
        this.log = logDir.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    private String management() {
        return "http://127.0.0.1:" + managementPort;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Starts the process and returns once {@code /q/health/ready} answers 200. */
    Replica start() throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the reliability tests run after `package` (./mvnw verify)");
        }
        List<String> command = new ArrayList<>(List.of(Processes.java(), "-XX:+UseSerialGC", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.management.host=127.0.0.1");
        command.add("-Dquarkus.management.port=" + managementPort);
        command.add("-jar");
        command.add(JAR.toString());
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Processes.await(Duration.ofSeconds(90), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            return readiness() == 200;
        }, name + " did not become ready; see " + log);
        return this;
    }

    /** The status of {@code /q/health/ready}, or -1 when nothing answers. */
    int readiness() {
        try {
            return PROBE.send(HttpRequest.newBuilder(URI.create(management() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The Prometheus text of {@code /q/metrics}. */
    String metrics() throws IOException, InterruptedException {
        return PROBE.send(HttpRequest.newBuilder(URI.create(management() + "/q/metrics")).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** SIGTERM, as Kubernetes stops a pod; does not wait. */
    void terminate() {
        process.destroy();
    }

    /** SIGKILL: the process vanishes mid-whatever. Returns once it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Waits for the process to exit and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + timeout + "; see " + log);
        }
        return process.exitValue();
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            kill();
        }
    }
}
