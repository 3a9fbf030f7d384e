package org.smartbff.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.smartbff.testsupport.FakeSmartServerMain;
import org.smartbff.testsupport.fake.FakeSmartServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The fake SMART server ({@link FakeSmartServerMain}) as a process of its own, in grants mode: single-use rotating
 * refresh tokens, a replayed one revokes its grant. Faults are set through its control port.
 */
final class FakeSmartProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final JsonNode ready;

    private FakeSmartProcess(Process process, JsonNode ready) {
        this.process = process;
        this.ready = ready;
    }

    static FakeSmartProcess start(Path dir, Duration accessTokenLifetime, boolean recordRequests) throws IOException {
        Path readyFile = dir.resolve("fake-smart.json");
        Files.deleteIfExists(readyFile);
        Process process = new ProcessBuilder(List.of(Processes.java(), "-XX:+UseSerialGC", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", System.getProperty("java.class.path"), FakeSmartServerMain.class.getName(),
                "--access-token-lifetime", accessTokenLifetime.toMillis() + "ms",
                "--refresh-tokens", "single-use-grants", "--record-requests", Boolean.toString(recordRequests),
                "--ready-file", readyFile.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("fake-smart.log").toFile()).start();
        Processes.await(Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the fake SMART server exited; see " + dir.resolve("fake-smart.log"));
            }
            return Files.exists(readyFile);
        }, "the fake SMART server did not start");
        return new FakeSmartProcess(process, JSON.readTree(readyFile.toFile()));
    }

    String baseUrl() {
        return ready.get("baseUrl").asText();
    }

    String fhirBase() {
        return ready.get("fhirBase").asText();
    }

    String issuer() {
        return ready.get("issuer").asText();
    }

    String clientId() {
        return ready.get("clientId").asText();
    }

    String patientId() {
        return ready.get("patientId").asText();
    }

    /** {@code tokenRequests}, {@code refreshGrants}, {@code requests}, {@code grantsIssued}, {@code refreshTokenReplays}. */
    JsonNode stats() throws IOException, InterruptedException {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(ready.get("statsUrl").asText())).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    int stat(String name) throws IOException, InterruptedException {
        return stats().get(name).asInt();
    }

    void tokenFault(FakeSmartServer.TokenFault fault) throws IOException, InterruptedException {
        control("token-fault=" + fault.name());
    }

    void fhirFault(FakeSmartServer.FhirFault fault) throws IOException, InterruptedException {
        control("fhir-fault=" + fault.name());
    }

    /** The lifetime of access tokens issued from now on. */
    void accessTokenLifetime(Duration lifetime) throws IOException, InterruptedException {
        control("access-token-lifetime=" + lifetime.toMillis() + "ms");
    }

    private void control(String query) throws IOException, InterruptedException {
        String stats = ready.get("statsUrl").asText();
        URI uri = URI.create(stats.substring(0, stats.length() - "/stats".length()) + "/control?" + query);
        int status = HTTP.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 204) {
            throw new IllegalStateException("the fake refused control " + query + ": " + status);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
