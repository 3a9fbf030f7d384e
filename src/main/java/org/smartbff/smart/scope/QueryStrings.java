package org.smartbff.smart.scope;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Splits {@code name=value&...} strings into a name to values map, keeping repeated names in order. Used for the
 * constraints of a granular scope and for the queries inside Bundle entry URLs and {@code If-None-Exist} headers.
 *
 * <p>
 * Decoding is strict: a broken percent-escape or bytes that are not UTF-8 reject the whole string rather than being
 * guessed at, because a guess here is what an access check would compare against.
 */
public final class QueryStrings {

    /** Search parameter names with modifiers and chains: {@code code:in}, {@code patient.birthdate}, {@code _has:...}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_\\-.:]*");

    private QueryStrings() {
    }

    /**
     * The {@code param=value&...} suffix of a SMART v2 scope. Every item needs a well-formed name and a non-empty
     * value. Only percent-escapes are decoded: a scope is not form-encoded, so {@code +} stays {@code +}.
     */
    static Optional<Map<String, List<String>>> parseScopeConstraints(String query) {
        Map<String, List<String>> result = new LinkedHashMap<>();
        for (String item : query.split("&", -1)) {
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                return Optional.empty();
            }
            String name = item.substring(0, eq);
            Optional<String> value = decode(item.substring(eq + 1), false);
            if (!NAME.matcher(name).matches() || value.isEmpty() || value.get().isEmpty()) {
                return Optional.empty();
            }
            result.computeIfAbsent(name, n -> new ArrayList<>()).add(value.get());
        }
        return Optional.of(freeze(result));
    }

    /**
     * A request query as a FHIR server reads it ({@code application/x-www-form-urlencoded}, so {@code +} is a space).
     * Empty items are skipped; an item without {@code =} has the empty value.
     */
    public static Optional<Map<String, List<String>>> parseRequestQuery(String query) {
        Map<String, List<String>> result = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return Optional.of(Map.of());
        }
        for (String item : query.split("&", -1)) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            Optional<String> name = decode(eq < 0 ? item : item.substring(0, eq), true);
            Optional<String> value = eq < 0 ? Optional.of("") : decode(item.substring(eq + 1), true);
            if (name.isEmpty() || value.isEmpty() || name.get().isEmpty()) {
                return Optional.empty();
            }
            result.computeIfAbsent(name.get(), n -> new ArrayList<>()).add(value.get());
        }
        return Optional.of(freeze(result));
    }

    /** An unmodifiable deep copy that keeps the order of names and of values. */
    static Map<String, List<String>> freeze(Map<String, List<String>> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> copy = new LinkedHashMap<>();
        map.forEach((name, values) -> copy.put(name, values == null ? List.of() : List.copyOf(values)));
        return Collections.unmodifiableMap(copy);
    }

    /** Percent-decodes as UTF-8; empty when an escape is malformed or the bytes are not UTF-8. */
    static Optional<String> decode(String text, boolean plusIsSpace) {
        if (text.indexOf('%') < 0 && !(plusIsSpace && text.indexOf('+') >= 0)) {
            return Optional.of(text);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    return Optional.empty();
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return Optional.empty();
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < text.length()) {
                    encoded = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.write(encoded, 0, encoded.length);
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
