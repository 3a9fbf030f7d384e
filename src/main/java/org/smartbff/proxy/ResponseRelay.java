package org.smartbff.proxy;

import java.util.ArrayList;
import java.util.List;

import org.smartbff.proxy.rewrite.StreamingUrlRewriter;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The FHIR server's answer on its way to the browser: headers copied (hop-by-hop ones dropped), its URLs in
 * {@code Location} and {@code Content-Location} pointed at the BFF, a redirect out of the FHIR base refused, and the
 * body streamed back; JSON bodies pass through a {@link StreamingUrlRewriter}. Holds no state of its own: one instance
 * serves every call, on each call's event loop.
 */
final class ResponseRelay {

    /** Rewritable bodies up to this announced length are rewritten whole rather than streamed. */
    private static final long WHOLE_REWRITE_LIMIT = 64 * 1024;
    private static final String[] URL_HEADERS = { "location", "content-location" };

    private final boolean rewriteUrls;
    private final String publicFhirBase;

    ResponseRelay(boolean rewriteUrls, String publicFhirBase) {
        this.rewriteUrls = rewriteUrls;
        this.publicFhirBase = publicFhirBase;
    }

    /** Answers {@code context} with {@code upstream}, the response of the FHIR server whose base is {@code upstreamBase}. */
    void relay(RoutingContext context, HttpClientResponse upstream, String upstreamBase) {
        HttpServerResponse response = context.response();
        int status = upstream.statusCode();
        MultiMap headers = response.headers();
        ProxyHeaders.copyResponseHeaders(upstream.headers(), headers);
        for (String name : URL_HEADERS) {
            String url = headers.get(name);
            if (url != null) {
                String rewritten = StreamingUrlRewriter.rewriteUrl(url, upstreamBase, publicFhirBase);
                if (status >= 300 && status < 400 && name.equals("location") && rewritten.equals(url) && isAbsolute(url)) {
                    // A redirect out of the FHIR base is never followed with the token, nor handed to the browser.
                    // Its body is not wanted: the reset that drops it is expected, not an error to log.
                    upstream.exceptionHandler(expected -> {
                    });
                    upstream.request().reset();
                    ProxyErrors.fail(context, 502, "transient", "upstream_redirect_refused",
                            "The FHIR server redirected outside its base URL; the redirect was not followed.");
                    return;
                }
                headers.set(name, rewritten);
            }
        }
        response.setStatusCode(status);
        boolean rewrite = rewriteUrls
                && StreamingUrlRewriter.isRewritable(upstream.getHeader(HttpHeaderNames.CONTENT_TYPE))
                && upstream.getHeader(HttpHeaderNames.CONTENT_ENCODING) == null;
        if (rewrite) {
            // The length changes with the URLs.
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            RewritingBuffers rewriter = new RewritingBuffers(new StreamingUrlRewriter(upstreamBase, publicFhirBase));
            // (Not for HEAD: its Content-Length is that of a body it does not carry.)
            if (announcedLength(upstream) <= WHOLE_REWRITE_LIMIT && context.request().method() != HttpMethod.HEAD) {
                rewriteWhole(upstream, response, rewriter);
            } else {
                response.setChunked(true);
                streamRewritten(upstream, response, rewriter);
            }
            return;
        }
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            response.setChunked(true);
        }
        upstream.pipeTo(response).onFailure(failure -> response.reset());
    }

    /**
     * A small body announced with its length (most reads: a resource, a page of a search) is rewritten chunk by chunk
     * as it comes and sent with a Content-Length in one write: no chunk framing, and one socket write instead of two or
     * more. The rewritten pieces are gathered, not copied into one array: unchanged chunks are the upstream's own
     * buffers, and the socket write takes them all at once.
     */
    private static void rewriteWhole(HttpClientResponse upstream, HttpServerResponse response,
            RewritingBuffers rewriter) {
        List<ByteBuf> pieces = new ArrayList<>(4);
        upstream.handler(chunk -> add(pieces, rewriter.feed(chunk)));
        upstream.exceptionHandler(failure -> response.reset());
        upstream.endHandler(ignored -> {
            add(pieces, rewriter.finish());
            if (!response.closed()) {
                ByteBuf body = pieces.size() == 1 ? pieces.get(0) : Unpooled.wrappedBuffer(pieces.toArray(ByteBuf[]::new));
                response.putHeader(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.readableBytes()));
                response.end(Buffer.buffer(body));
            }
        });
        response.closeHandler(ignored -> upstream.request().reset());
    }

    private static void add(List<ByteBuf> pieces, Buffer piece) {
        if (piece.length() > 0) {
            pieces.add(piece.getByteBuf());
        }
    }

    /** The Content-Length the FHIR server announced, or {@link Long#MAX_VALUE} when it did not (or not readably). */
    private static long announcedLength(HttpClientResponse upstream) {
        String length = upstream.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null) {
            return Long.MAX_VALUE;
        }
        try {
            long parsed = Long.parseLong(length);
            return parsed >= 0 ? parsed : Long.MAX_VALUE;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void streamRewritten(HttpClientResponse upstream, HttpServerResponse response,
            RewritingBuffers rewriter) {
        upstream.handler(chunk -> {
            Buffer out = rewriter.feed(chunk);
            if (out.length() > 0) {
                response.write(out);
            }
            if (response.writeQueueFull()) {
                // The browser reads slower than the server sends: stop reading upstream until it catches up.
                upstream.pause();
                response.drainHandler(ignored -> upstream.resume());
            }
        });
        upstream.exceptionHandler(failure -> response.reset());
        upstream.endHandler(ignored -> response.end(rewriter.finish()));
        response.closeHandler(ignored -> upstream.request().reset());
    }

    private static boolean isAbsolute(String url) {
        return url.regionMatches(true, 0, "http:", 0, 5) || url.regionMatches(true, 0, "https:", 0, 6)
                || url.startsWith("//");
    }
}
