package org.smartbff.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;

/**
 * The HTTP clients towards FHIR servers: a pooled keep-alive one per event loop, which every call uses, and one that
 * opens a new connection for each request, for the single resend of a call whose pooled connection closed under it. A
 * resend through the pool could pick another connection closing at the same moment (connections opened together in a
 * burst reach their keep-alive end together), and fail the same way.
 *
 * <p>
 * Why one pool per event loop: a Vert.x 4 client pool hands a request the connection that answered last, whichever
 * event loop that connection lives on. The request is then written by that loop and its response handed back to the
 * browser connection's loop: two hand-overs between threads per call (a queued task each, and a wake-up when the other
 * loop sleeps), which a profile of GET Patient showed as a quarter of the service's CPU running as queued tasks. A
 * client used from one event loop only opens its connections on that loop, so the call stays on one thread from the
 * browser's request to the browser's response. Calls made elsewhere (not on an event loop) share one more pool.
 */
final class UpstreamClients {

    private final Vertx vertx;
    private final HttpClientOptions loopOptions;
    private final HttpClient shared;
    private final HttpClient fresh;
    /** The pool of each event-loop thread; a handful of entries, made once each. */
    private final Map<Thread, HttpClient> byLoop = new ConcurrentHashMap<>();

    /**
     * @param options the pooled clients' options; its {@code maxPoolSize} bounds the connections of all event loops
     *        together, shared out evenly between them (calls off the event loops, rare, have a pool that size too)
     */
    UpstreamClients(Vertx vertx, HttpClientOptions options) {
        this.vertx = vertx;
        int loops = 0;
        for (var ignored : vertx.nettyEventLoopGroup()) {
            loops++;
        }
        loops = Math.max(1, loops);
        int perLoop = Math.max(1, (options.getMaxPoolSize() + loops - 1) / loops);
        this.loopOptions = new HttpClientOptions(options).setMaxPoolSize(perLoop);
        this.shared = vertx.createHttpClient(options);
        this.fresh = vertx.createHttpClient(new HttpClientOptions(options).setKeepAlive(false).setMaxPoolSize(10));
    }

    /** The keep-alive pool for a call made on the current thread: its event loop's own, or the shared one. */
    HttpClient pooled() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext()) {
            return shared;
        }
        Thread loop = Thread.currentThread();
        HttpClient client = byLoop.get(loop);
        return client != null ? client : byLoop.computeIfAbsent(loop, ignored -> vertx.createHttpClient(loopOptions));
    }

    /** A client that opens a new connection for each request. */
    HttpClient fresh() {
        return fresh;
    }
}
