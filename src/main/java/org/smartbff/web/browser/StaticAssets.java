package org.smartbff.web.browser;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Strong ETags for the files served from {@code META-INF/resources}: the hash of their bytes. Their URLs stay the same
 * from release to release, so browsers must revalidate them ({@code no-cache}), and the ETag makes that cheap: an
 * unchanged file costs a 304, a changed one (after an upgrade) is fetched at once. The files are part of the build and
 * never change while the service runs, so each is hashed once, off the event loop, when first asked for.
 */
public final class StaticAssets {

    static final String ROOT = "META-INF/resources";

    private final ClassLoader loader;
    private final Map<String, String> etags = new ConcurrentHashMap<>();

    public StaticAssets(ClassLoader loader) {
        this.loader = loader;
    }

    /**
     * The ETag of the file a request path is answered with ({@code /} is {@code /index.html}); empty when no file is.
     * Found files are remembered; a path without one is looked up again next time (remembering every unknown path
     * would let anyone fill the memory).
     */
    public Future<Optional<String>> etagOf(Vertx vertx, String path) {
        String file = path.endsWith("/") ? path + "index.html" : path;
        if (!file.startsWith("/") || file.contains("..") || file.contains("\\")) {
            return Future.succeededFuture(Optional.empty());
        }
        String known = etags.get(file);
        if (known != null) {
            return Future.succeededFuture(Optional.of(known));
        }
        return vertx.executeBlocking(() -> {
            try (InputStream in = loader.getResourceAsStream(ROOT + file)) {
                if (in == null) {
                    return Optional.<String> empty();
                }
                String etag = etag(in.readAllBytes());
                etags.put(file, etag);
                return Optional.of(etag);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, false);
    }

    static String etag(byte[] content) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(content);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether an {@code If-None-Match} header names {@code etag} (in a list, as {@code *}, or in weak form). */
    public static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.equals("*") || tag.equals(etag) || (tag.startsWith("W/") && tag.substring(2).equals(etag))) {
                return true;
            }
        }
        return false;
    }
}
