package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.smartbff.launch.ReturnTo;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the two parsers of what a browser sends that decide where a session goes: the cookie reader and
 * {@code return_to}. Seeded, so a run is repeatable.
 */
class BrowserInputPropertyTest {

    private static final String ORIGIN_HOST = "bff.example";

    /** Text near the grammar of both: slashes, backslashes, schemes, controls, separators, non-ASCII. */
    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> pieces = Arbitraries.of("/", "//", "\\", "/\\", "..", ".", "app", "evil.example", "https:",
                "javascript:", "?", "#", "@", "%2F", "%5C", " ", "\t", "\n", "\r", "\u0000", "\u007f", "\u0085",
                "\u012F", "\uFF0F", "é", ";", "=", "\"", ",", SessionCookies.SESSION, "x");
        return Arbitraries.oneOf(pieces.list().ofMaxSize(10).map(list -> String.join("", list)),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Property(tries = 500, seed = "20261205")
    void an_accepted_return_to_stays_on_this_origin_whatever_a_browser_makes_of_it(@ForAll("hostile") String candidate) {
        Optional<String> local = ReturnTo.local(candidate);
        if (local.isEmpty()) {
            return;
        }
        assertEquals(candidate, local.get(), "accepted unchanged");
        assertTrue(candidate.chars().allMatch(c -> c > 0x20 && c < 0x7f), "header-safe: " + candidate);
        // What a browser does with a Location value (WHATWG URL): strip tab and newlines, read '\' as '/'. A value that
        // then starts with "//" (or is absolute) names another host.
        String asBrowserReadsIt = candidate.replaceAll("[\t\n\r]", "").replace('\\', '/');
        assertTrue(asBrowserReadsIt.startsWith("/") && !asBrowserReadsIt.startsWith("//"), candidate);
        assertEquals(ORIGIN_HOST, URI.create("https://" + ORIGIN_HOST).resolve(
                URI.create(candidate.replace("%", "%25").replace("#", "%23").replace("\"", "%22")
                        .replace("<", "%3C").replace(">", "%3E").replace("{", "%7B").replace("}", "%7D")
                        .replace("|", "%7C").replace("^", "%5E").replace("`", "%60").replace("[", "%5B")
                        .replace("]", "%5D")))
                .getHost(), candidate);
    }

    @Property(tries = 300, seed = "20261205")
    void a_local_path_of_visible_ascii_is_accepted(@ForAll("localPaths") String path) {
        assertEquals(Optional.of(path), ReturnTo.local(path));
    }

    @Provide
    Arbitrary<String> localPaths() {
        return Arbitraries.strings().withChars("abcXYZ019-._~!$&'()*+,;=:@%?#").ofMaxLength(30).list().ofMinSize(1)
                .ofMaxSize(4).map(segments -> "/" + String.join("/", segments))
                .filter(path -> !path.startsWith("//"));
    }

    /** A Cookie header of other cookies, some duplicated, with the session cookie somewhere or nowhere. */
    @Provide
    Arbitrary<List<Map.Entry<String, String>>> cookieLists() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of(SessionCookies.SESSION, SessionCookies.LAUNCH_BINDING,
                "__Host-smart-bff-session2", "_ga", "x"),
                Arbitraries.strings().withChars("abc-_").ofMinLength(1).ofMaxLength(8));
        // RFC 6265 cookie-octets: no space, '"', ',', ';' or '\'.
        Arbitrary<String> values = Arbitraries.strings().withCharRange('!', '~').ofMaxLength(50)
                .map(v -> v.replaceAll("[\",;\\\\]", ""));
        return Combinators.combine(names, values).as(Map::entry).list().ofMaxSize(6);
    }

    @Property(tries = 500, seed = "20261205")
    void reading_a_cookie_gives_the_first_value_of_that_name(@ForAll("cookieLists") List<Map.Entry<String, String>> cookies,
            @ForAll("separators") String separator) {
        String header = cookies.stream().map(c -> c.getKey() + "=" + c.getValue()).collect(Collectors.joining(separator));
        Optional<String> expected = cookies.stream().filter(c -> c.getKey().equals(SessionCookies.SESSION))
                .map(Map.Entry::getValue).findFirst();
        assertEquals(expected, SessionCookies.read(header, SessionCookies.SESSION), header);
    }

    @Provide
    Arbitrary<String> separators() {
        return Arbitraries.of(";", "; ", " ;  ", ";\t");
    }

    @Property(tries = 500, seed = "20261205")
    void any_cookie_header_reads_without_failing_and_only_a_well_formed_id_opens_a_session(
            @ForAll("hostile") String header) {
        Optional<String> value = SessionCookies.read(header, SessionCookies.SESSION);
        value.ifPresent(v -> assertFalse(v.contains(";"), header));
        value.flatMap(SessionId::parse).ifPresent(id -> assertTrue(id.cookieValue().matches("[A-Za-z0-9_-]{43}"), header));
    }

    @Property(tries = 200, seed = "20261205")
    void a_session_cookie_set_is_read_back(@ForAll("cookieLists") List<Map.Entry<String, String>> others) {
        SessionId id = SessionId.generate();
        String pair = SessionCookies.session(id, null).split(";")[0];
        String header = others.stream().filter(c -> !c.getKey().equals(SessionCookies.SESSION))
                .map(c -> c.getKey() + "=" + c.getValue()).collect(Collectors.joining("; "));
        header = header.isEmpty() ? pair : header + "; " + pair;
        assertEquals(Optional.of(id.cookieValue()), SessionCookies.read(header, SessionCookies.SESSION), header);
    }
}
