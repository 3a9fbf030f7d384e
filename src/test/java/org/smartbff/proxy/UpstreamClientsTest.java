package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;

/**
 * Each event loop has its own keep-alive pool, whose connections live on that loop: a call never changes threads on its
 * way to the FHIR server and back. Calls from elsewhere share one pool.
 */
class UpstreamClientsTest {

    private Vertx vertx;
    private HttpServer upstream;
    /** The client ports the upstream saw: one per connection. */
    private final Set<Integer> connections = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        upstream = vertx.createHttpServer()
                .requestHandler(request -> {
                    connections.add(request.remoteAddress().port());
                    request.response().end("ok");
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void each_event_loop_keeps_its_own_pool_and_its_calls_stay_on_that_loop() throws Exception {
        UpstreamClients clients = new UpstreamClients(vertx, new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(8));
        Context first = newContext();
        Context second = newContext();
        Call a = callOn(first, clients);
        Call b = callOn(second, clients);
        Call again = callOn(first, clients);

        assertNotSame(a.loop(), b.loop(), "two contexts on two event loops");
        assertNotSame(a.client(), b.client(), "one pool per event loop");
        assertSame(a.client(), again.client(), "the same pool each time on one loop");
        for (Call call : List.of(a, b, again)) {
            assertEquals(call.loop(), call.answeredOn(), "the answer comes back on the loop that asked");
        }
        assertEquals(2, connections.size(), "one kept-alive connection per loop, reused by the third call");
        assertSame(clients.pooled(), clients.pooled(), "off the event loops: the shared pool");
        assertNotSame(a.client(), clients.pooled());
    }

    /** A new event-loop context: Vert.x gives each outside thread its own, on the next event loop in turn. */
    private Context newContext() throws Exception {
        CompletableFuture<Context> context = new CompletableFuture<>();
        Thread outside = new Thread(() -> context.complete(vertx.getOrCreateContext()));
        outside.start();
        outside.join();
        return context.get();
    }

    private record Call(Thread loop, HttpClient client, Thread answeredOn) {
    }

    private Call callOn(Context context, UpstreamClients clients) throws Exception {
        CompletableFuture<Call> done = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            Thread loop = Thread.currentThread();
            HttpClient client = clients.pooled();
            client.request(HttpMethod.GET, upstream.actualPort(), "127.0.0.1", "/")
                    .compose(request -> request.send())
                    .compose(response -> response.body())
                    .onSuccess(body -> done.complete(new Call(loop, client, Thread.currentThread())))
                    .onFailure(done::completeExceptionally);
        });
        return done.get(10, TimeUnit.SECONDS);
    }
}
