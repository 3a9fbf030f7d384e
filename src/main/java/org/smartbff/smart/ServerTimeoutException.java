package org.smartbff.smart;

import java.time.Duration;

import io.smallrye.mutiny.Uni;

/**
 * A SMART server did not answer a discovery, JWKS, token or revocation request within
 * {@code smart-bff.http.server-timeout}. A launch answers 504; a refresh keeps the session (the proxied call gets 503
 * with {@code Retry-After}); a logout goes on without the revocation.
 */
public class ServerTimeoutException extends RuntimeException {

    private final String call;

    public ServerTimeoutException(String call, Duration limit) {
        super("the " + call + " request got no answer within " + limit.toMillis() + " ms", null, false, false);
        this.call = call;
    }

    /** Which call: discovery, jwks, token or revocation. */
    public String call() {
        return call;
    }

    /**
     * The call, bounded as a whole: however the server trickles its answer, the caller knows within {@code limit}. The
     * client's own read timeout only notices silence.
     */
    public static <T> Uni<T> bound(Uni<T> call, String what, Duration limit) {
        return call.ifNoItem().after(limit).failWith(() -> new ServerTimeoutException(what, limit));
    }
}
