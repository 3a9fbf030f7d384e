package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of {@link UpstreamPath}, the one check between a browser's {@code /fhir/...} path and the URL the proxy
 * calls: whatever it lets through stays below the FHIR base once a server or a servlet container normalises it, and
 * plain FHIR paths pass unchanged.
 */
class UpstreamPathPropertyTest {

    private static final URI BASE = URI.create("https://fhir.example/r4/");

    /** Paths made of the pieces that traversal, encoding tricks and host injection are made of. */
    @Provide
    Arbitrary<String> hostilePaths() {
        return Arbitraries.of("/", "/", "Patient", "123", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%00",
                "%25", "%252e", "%41", "%", "%z", "\\", ";", "..;", "@", ":", "//", "http:", "evil.example", "?", "#",
                "$everything", "_history", "é", " ", "~", "a.b", "-")
                .list().ofMinSize(1).ofMaxSize(12).map(pieces -> String.join("", pieces));
    }

    @Property(tries = 500, seed = "20261205")
    void whatPassesStaysBelowTheBaseAndCarriesNoTrick(@ForAll("hostilePaths") String raw) {
        Optional<String> relative = UpstreamPath.relative(raw);
        if (relative.isEmpty()) {
            return;
        }
        String path = relative.get();
        assertFalse(path.startsWith("/"), path);
        assertFalse(path.contains("//") || path.contains("\\") || path.contains(";"), path);
        String lower = path.toLowerCase(Locale.ROOT);
        for (String trick : List.of("%2e", "%2f", "%5c", "%00", "%25")) {
            assertFalse(lower.contains(trick), path);
        }
        for (String segment : path.split("/", -1)) {
            assertFalse(segment.isEmpty() && !path.isEmpty(), "empty segment in " + path);
            assertFalse(segment.equals(".") || segment.equals(".."), path);
        }
        path.chars().forEach(c -> assertTrue(c < 128 && c > 32, "raw character in " + path));
        // As the proxy builds it (base + "/" + path), and as a server that normalises dot segments would see it.
        URI target = URI.create(BASE + path).normalize();
        assertEquals(BASE.getHost(), target.getHost(), path);
        assertTrue(target.getPath().startsWith(BASE.getPath()), path + " -> " + target);
    }

    @Property(tries = 300, seed = "20261205")
    void plainFhirPathsPassUnchanged(@ForAll("plainSegments") List<String> segments) {
        String path = String.join("/", segments);
        assertEquals(Optional.of(path), UpstreamPath.relative("/" + path));
        assertEquals(Optional.of(path), UpstreamPath.relative("/" + path + "/"), "a trailing slash is dropped");
    }

    @Property(tries = 300, seed = "20261205")
    void aDotSegmentAnywhereIsRefused(@ForAll("plainSegments") List<String> segments,
            @ForAll("dotSegments") String dots) {
        for (int at = 0; at <= segments.size(); at++) {
            List<String> withDots = new ArrayList<>(segments);
            withDots.add(at, dots);
            assertEquals(Optional.empty(), UpstreamPath.relative("/" + String.join("/", withDots)));
        }
    }

    @Provide
    Arbitrary<List<String>> plainSegments() {
        Arbitrary<String> type = Arbitraries.strings().withCharRange('A', 'Z').ofLength(1)
                .flatMap(first -> Arbitraries.strings().alpha().ofMaxLength(12).map(rest -> first + rest));
        Arbitrary<String> id = Arbitraries.strings().withChars("abcXYZ0189-.").ofMinLength(1).ofMaxLength(64)
                .filter(s -> !s.equals(".") && !s.equals(".."));
        return Arbitraries.oneOf(type, id, Arbitraries.of("$everything", "_history", "_search", "metadata"))
                .list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<String> dotSegments() {
        return Arbitraries.of(".", "..");
    }
}
