package org.smartbff.web;

import java.net.URI;
import java.util.Locale;

/** Web origins as browsers write them in {@code Origin} and compare them in CSP: scheme, host, non-default port. */
final class Origins {

    private Origins() {
    }

    /** The origin of an absolute http(s) URL, e.g. {@code https://app.example} for {@code https://app.example/x}. */
    static String of(String url) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }
}
