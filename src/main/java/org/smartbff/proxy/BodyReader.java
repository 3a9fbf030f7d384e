package org.smartbff.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a whole request body, but never more than a limit (a chunked body announces no size), and only while the
 * service's budget for bodies held at once has room for it ({@link HeldBody}).
 */
final class BodyReader {

    private BodyReader() {
    }

    /**
     * @param declared the body's Content-Length, or a negative number when it has none: a declared body too large
     *        for the budget's room is refused before a byte of it is read
     */
    static Future<Buffer> read(HttpServerRequest request, long limit, long declared, HeldBodies.Share share) {
        if (request.isEnded()) {
            // Everything was delivered already (nothing was announced or it was empty): there is nothing to read.
            return Future.succeededFuture(Buffer.buffer());
        }
        HeldBody body = new HeldBody(limit, share);
        if (declared > 0) {
            HeldBody.Outcome room = body.expect(declared);
            if (room != HeldBody.Outcome.HELD) {
                return Future.failedFuture(failure(room));
            }
        }
        Promise<Buffer> promise = Promise.promise();
        request.handler(chunk -> {
            HeldBody.Outcome added = body.add(chunk);
            if (added != HeldBody.Outcome.HELD) {
                request.handler(null);
                promise.tryFail(failure(added));
            }
        });
        request.exceptionHandler(promise::tryFail);
        request.endHandler(ignored -> promise.tryComplete(body.body()));
        request.resume();
        return promise.future();
    }

    private static RuntimeException failure(HeldBody.Outcome outcome) {
        return outcome == HeldBody.Outcome.TOO_LARGE ? new BodyTooLargeException() : new HeldBodiesFullException();
    }
}
