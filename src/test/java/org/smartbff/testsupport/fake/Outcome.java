package org.smartbff.testsupport.fake;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What to do with a request: decided under the fake's lock, carried out by {@link Exchanges} after it is released.
 */
sealed interface Outcome {

    String JSON = "application/json";
    String FHIR_JSON = "application/fhir+json";

    /** A complete response. */
    record Reply(int status, Map<String, String> headers, String body) implements Outcome {
        Reply withHeader(String name, String value) {
            Map<String, String> copy = new LinkedHashMap<>(headers);
            copy.put(name, value);
            return new Reply(status, copy, body);
        }
    }

    /**
     * {@code reply} with its Content-Length, its body written {@code pieceBytes} at a time with a short pause between
     * pieces, so that the proxy reads it in many chunks: a slow link, or a server that flushes as it serialises.
     */
    record Dribbled(Reply reply, int pieceBytes) implements Outcome {
    }

    /** A 200 whose body {@link BigBundleWriter} streams. */
    record BigBundle(Map<String, String> headers, int mebibytes) implements Outcome {
    }

    /** The request is left unanswered while the server runs; closing the fake answers it. */
    record NoAnswer() implements Outcome {
    }

    /** The connection is closed under the request, unanswered: a keep-alive connection the server just dropped. */
    record HangUp() implements Outcome {
    }

    /** A 200 whose body stops after a few bytes: the connection is closed mid-body. */
    record CutShort() implements Outcome {
    }

    /** Work to start once the lock is released (it takes the lock again itself when it needs it). */
    record Deferred(Supplier<Future<Outcome>> work) implements Outcome {
    }

    static Reply json(int status, JsonObject body) {
        return new Reply(status, Map.of("Content-Type", JSON), body.encode());
    }

    static Reply text(int status, String body) {
        return new Reply(status, Map.of("Content-Type", "text/plain; charset=utf-8"), body);
    }

    static Reply oauthError(int status, String error, String description) {
        return json(status, new JsonObject().put("error", error).put("error_description", description))
                .withHeader("Cache-Control", "no-store");
    }

    static Reply redirect(String location) {
        return new Reply(302, Map.of("Location", location), "");
    }

    static Reply operationOutcome(int status, String code, String diagnostics) {
        JsonObject outcome = new JsonObject()
                .put("resourceType", "OperationOutcome")
                .put("issue", new JsonArray().add(new JsonObject()
                        .put("severity", "error").put("code", code).put("diagnostics", diagnostics)));
        return new Reply(status, Map.of("Content-Type", FHIR_JSON), outcome.encode());
    }
}
