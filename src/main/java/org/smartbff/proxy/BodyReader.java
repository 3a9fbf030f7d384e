package org.smartbff.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a whole request body, but never more than a limit (a chunked body announces no size), and only while the
 * service's budget for bodies held at once has room for it.
 */
final class BodyReader {

    private BodyReader() {
    }

    static Future<Buffer> read(HttpServerRequest request, long limit, HeldBodies.Share share) {
        if (request.isEnded()) {
            // Everything was delivered already (nothing was announced or it was empty): there is nothing to read.
            return Future.succeededFuture(Buffer.buffer());
        }
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > limit) {
                request.handler(null);
                promise.tryFail(new BodyTooLargeException());
                return;
            }
            if (!share.take(chunk.length())) {
                request.handler(null);
                promise.tryFail(new HeldBodiesFullException());
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(promise::tryFail);
        request.endHandler(ignored -> promise.tryComplete(body));
        request.resume();
        return promise.future();
    }
}
