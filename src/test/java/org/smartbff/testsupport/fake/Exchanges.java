package org.smartbff.testsupport.fake;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * Carries out an {@link Outcome} on the event loop, and keeps the requests left unanswered (stalled paths, slow FHIR
 * calls, held grants) until they are released, at the latest when the fake closes.
 *
 * <p>
 * Why answer them rather than just drop them: a client whose connection drops before any response retries an
 * idempotent request at once (the JDK client does), and a connection that arrives while Vert.x 4 is closing the server
 * makes Netty log a "Failed to register an accepted channel" stack trace.
 */
final class Exchanges {

    /** An unanswered request and the context (event loop) its response must be written on. */
    private record Parked(HttpServerRequest request, Context context) {
    }

    private final Object lock;
    private final Identity identity;
    /** Opened at the first back-pressure wait of a big bundle. */
    private final CountDownLatch firstBackPressure = new CountDownLatch(1);
    /** The event loops requests arrived on, so that closing can wait out requests being parked there. */
    private final Set<Context> contexts = ConcurrentHashMap.newKeySet();
    // guarded by lock
    private final Set<Parked> parked = new HashSet<>();
    /** Answers to requests that were parked after closing began. */
    private final List<Future<Void>> lateReleases = new ArrayList<>();
    private boolean closing;

    Exchanges(Object lock, Identity identity) {
        this.lock = lock;
        this.identity = identity;
    }

    CountDownLatch firstBackPressure() {
        return firstBackPressure;
    }

    void arrivedOn(Context context) {
        contexts.add(context);
    }

    void carryOut(HttpServerRequest req, Outcome outcome) {
        HttpServerResponse response = req.response();
        if (outcome instanceof Outcome.Reply reply) {
            response.setStatusCode(reply.status());
            reply.headers().forEach(response::putHeader);
            response.end(reply.body() == null ? "" : reply.body());
        } else if (outcome instanceof Outcome.Dribbled dribbled) {
            byte[] body = dribbled.reply().body().getBytes(StandardCharsets.UTF_8);
            response.setStatusCode(dribbled.reply().status());
            dribbled.reply().headers().forEach(response::putHeader);
            response.putHeader("Content-Length", Integer.toString(body.length));
            dribble(response, body, 0, dribbled.pieceBytes());
        } else if (outcome instanceof Outcome.BigBundle big) {
            response.setStatusCode(200);
            big.headers().forEach(response::putHeader);
            new BigBundleWriter(response, identity.fhirBase(), Identity.PATIENT_ID, big.mebibytes(),
                    firstBackPressure::countDown).start();
        } else if (outcome instanceof Outcome.Deferred deferred) {
            Future<Outcome> later;
            try {
                later = deferred.work().get();
            } catch (RuntimeException e) {
                later = Future.succeededFuture(Outcome.text(500, e.toString()));
            }
            later.onComplete(ar -> carryOut(req,
                    ar.succeeded() ? ar.result() : Outcome.text(500, String.valueOf(ar.cause()))));
        } else if (outcome instanceof Outcome.NoAnswer) {
            park(req);
        } else if (outcome instanceof Outcome.HangUp) {
            req.connection().close();
        } else if (outcome instanceof Outcome.CutShort) {
            response.setStatusCode(200).setChunked(true).putHeader("Content-Type", Outcome.FHIR_JSON)
                    .write("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":")
                    .onComplete(ar -> req.connection().close());
        }
    }

    /** Writes {@code body} from {@code from} on, one piece per millisecond; ends the response after the last. */
    private static void dribble(HttpServerResponse response, byte[] body, int from, int pieceBytes) {
        int to = Math.min(body.length, from + pieceBytes);
        Buffer piece = Buffer.buffer(Arrays.copyOfRange(body, from, to));
        if (to == body.length) {
            response.end(piece);
            return;
        }
        response.write(piece).onSuccess(written -> Vertx.currentContext().owner()
                .setTimer(1, timer -> dribble(response, body, to, pieceBytes)));
    }

    private void park(HttpServerRequest req) {
        Parked waiting = new Parked(req, Vertx.currentContext());
        synchronized (lock) {
            if (closing) {
                lateReleases.add(release(waiting));
                return;
            }
            parked.add(waiting);
        }
        req.response().closeHandler(v -> {
            synchronized (lock) {
                parked.remove(waiting);
            }
        });
    }

    /** Answers the parked requests whose path passes {@code which}; the future completes once they are. */
    Future<Void> release(Predicate<String> which) {
        List<Parked> released;
        synchronized (lock) {
            released = parked.stream().filter(waiting -> which.test(waiting.request().path())).toList();
            parked.removeAll(released);
        }
        return Future.join(released.stream().map(Exchanges::release).toList()).<Void> mapEmpty().otherwiseEmpty();
    }

    /**
     * Answers every parked request, also those being parked right now; the future completes once they are. A request
     * recorded just before closing began may not be parked yet: it is, or is answered at once, within the event-loop
     * task that recorded it, so one empty task on each such event loop waits that out.
     */
    Future<Void> releaseAllForClosing() {
        synchronized (lock) {
            closing = true;
        }
        Future<Void> parkedNow = release(path -> true);
        List<Future<Void>> passed = new ArrayList<>();
        for (Context context : contexts) {
            Promise<Void> done = Promise.promise();
            context.runOnContext(v -> done.complete());
            passed.add(done.future());
        }
        return Future.join(passed).compose(ignored -> {
            List<Future<Void>> late;
            synchronized (lock) {
                late = List.copyOf(lateReleases);
            }
            return Future.join(late);
        }).compose(ignored -> parkedNow).<Void> mapEmpty().otherwiseEmpty();
    }

    /** 503 with {@code Connection: close} on the request's own event loop; completes however that went. */
    private static Future<Void> release(Parked waiting) {
        Promise<Void> done = Promise.promise();
        waiting.context().runOnContext(v -> {
            try {
                HttpServerResponse response = waiting.request().response();
                if (response.ended() || response.closed()) {
                    done.tryComplete();
                    return;
                }
                response.setStatusCode(503).putHeader("Content-Type", "text/plain; charset=utf-8");
                if (waiting.request().version() != HttpVersion.HTTP_2) {
                    response.putHeader("Connection", "close"); // a connection-specific header, not allowed in h2
                }
                response.end("the fake SMART server is shutting down").onComplete(ar -> done.tryComplete());
            } catch (RuntimeException e) {
                done.tryComplete(); // the stream was reset meanwhile; nothing left to answer
            }
        });
        return done.future();
    }
}
