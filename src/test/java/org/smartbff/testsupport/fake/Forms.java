package org.smartbff.testsupport.fake;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.vertx.core.json.JsonArray;

/** The small encodings every endpoint of the fake shares: forms and queries, scopes, random values. */
final class Forms {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Forms() {
    }

    /** Parses a query string or form body; the first value of a repeated name wins. */
    static Map<String, String> parse(String encoded) {
        Map<String, String> result = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return result;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            result.putIfAbsent(name, value);
        }
        return result;
    }

    /** Adds form-encoded parameters to a URI that may already carry a query. */
    static String appendQuery(String uri, Map<String, String> params) {
        StringBuilder sb = new StringBuilder(uri);
        char separator = uri.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> p : params.entrySet()) {
            sb.append(separator)
                    .append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return sb.toString();
    }

    static Set<String> scopes(String scope) {
        return scope == null || scope.isBlank() ? Set.of() : Set.of(scope.trim().split("\\s+"));
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    static JsonArray array(String... values) {
        return new JsonArray(new ArrayList<>(Arrays.asList((Object[]) values)));
    }

    /** 256 random bits, base64url without padding: unguessable codes and tokens. */
    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
