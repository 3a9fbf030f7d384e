package org.smartbff.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A browser as far as the scenarios need one: logs in through the real launch (smart-bff's /auth/login, the fake's
 * /authorize, smart-bff's /auth/callback) and makes proxied calls with the session cookie and {@code X-CSRF: 1}.
 */
final class Client {

    static final String SESSION_COOKIE = "__Host-smart-bff-session";
    private static final String LAUNCH_COOKIE = "__Host-smart-bff-launch";

    /** An answer: status, body and the one header the scenarios look at. */
    record Answer(int status, String body, String retryAfter, long nanos) {
        boolean ok() {
            return status == 200;
        }

        /** The {@code urn:smart-bff:error} code of an OperationOutcome (or the error of a JSON error), or "". */
        String code() {
            int at = body.indexOf("\"code\":\"", body.indexOf("urn:smart-bff:error"));
            if (body.contains("urn:smart-bff:error") && at >= 0) {
                int start = at + "\"code\":\"".length();
                return body.substring(start, body.indexOf('"', start));
            }
            int error = body.indexOf("\"error\":\"");
            return error < 0 ? "" : body.substring(error + 9, body.indexOf('"', error + 9));
        }

        @Override
        public String toString() {
            return status + " " + code();
        }
    }

    private final HttpClient http;
    private final Duration timeout;

    Client(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    Client() {
        this(Duration.ofSeconds(30));
    }

    /** A standalone launch through this replica; returns the session cookie ({@code name=value}). */
    String login(Replica replica) throws IOException, InterruptedException {
        HttpResponse<String> login = get(replica.base() + "/auth/login", null);
        String launchCookie = cookie(login, LAUNCH_COOKIE).orElseThrow(() -> new AssertionError("no launch cookie: "
                + login.statusCode() + " " + login.body()));
        HttpResponse<String> authorize = get(location(login), null);
        HttpResponse<String> callback = get(URI.create(replica.base()).resolve(location(authorize)).toString(),
                launchCookie);
        return cookie(callback, SESSION_COOKIE).orElseThrow(() -> new AssertionError("no session after the callback: "
                + callback.statusCode() + " " + callback.body()));
    }

    /** GET /fhir/{path} on this replica with the session. */
    Answer fhir(Replica replica, String session, String path) throws IOException, InterruptedException {
        return answer(send(fhirRequest(replica, session, path).GET().build()));
    }

    CompletableFuture<Answer> fhirAsync(Replica replica, String session, String path) {
        long start = System.nanoTime();
        return http.sendAsync(fhirRequest(replica, session, path).GET().build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Answer(r.statusCode(), r.body(),
                        r.headers().firstValue("Retry-After").orElse(null), System.nanoTime() - start));
    }

    Answer logout(Replica replica, String session) throws IOException, InterruptedException {
        return answer(send(HttpRequest.newBuilder(URI.create(replica.base() + "/auth/logout")).timeout(timeout)
                .header("Cookie", session).header("X-CSRF", "1").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()).build()));
    }

    Answer session(Replica replica, String session) throws IOException, InterruptedException {
        return answer(send(HttpRequest.newBuilder(URI.create(replica.base() + "/auth/session")).timeout(timeout)
                .header("Cookie", session).header("Accept", "application/json").GET().build()));
    }

    private HttpRequest.Builder fhirRequest(Replica replica, String session, String path) {
        return HttpRequest.newBuilder(URI.create(replica.base() + "/fhir/" + path)).timeout(timeout)
                .header("Cookie", session).header("X-CSRF", "1").header("Accept", "application/fhir+json");
    }

    private HttpResponse<String> get(String url, String cookie) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return send(request.build());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Answer answer(HttpResponse<String> r) {
        return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null), 0);
    }

    private static String location(HttpResponse<String> r) {
        return r.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no redirect: "
                + r.statusCode() + " " + r.body()));
    }

    private static Optional<String> cookie(HttpResponse<String> r, String name) {
        List<String> cookies = r.headers().allValues("Set-Cookie");
        return cookies.stream().filter(c -> c.startsWith(name + "=")).map(c -> c.split(";", 2)[0]).findFirst();
    }
}
