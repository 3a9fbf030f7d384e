package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.session.SessionId;

class SessionCookiesTest {

    private static final String VALUE = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private static final SessionId ID = SessionId.parse(VALUE).orElseThrow();

    private static List<String> attributes(String setCookie) {
        return Arrays.stream(setCookie.split(";")).map(String::trim).toList();
    }

    @Test
    void session_cookie_is_host_prefixed_and_carries_the_id() {
        String cookie = SessionCookies.session(ID, null);
        assertTrue(cookie.startsWith("__Host-smart-bff-session=" + VALUE + ";"), cookie);
    }

    @Test
    void session_cookie_has_path_secure_httponly_and_samesite_lax() {
        List<String> attributes = attributes(SessionCookies.session(ID, null));
        assertTrue(attributes.contains("Path=/"), attributes.toString());
        assertTrue(attributes.contains("Secure"), attributes.toString());
        assertTrue(attributes.contains("HttpOnly"), attributes.toString());
        assertTrue(attributes.contains("SameSite=Lax"), attributes.toString());
    }

    @Test
    void session_cookie_has_no_domain() {
        String cookie = SessionCookies.session(ID, Duration.ofHours(8)).toLowerCase(Locale.ROOT);
        assertFalse(cookie.contains("domain"), cookie);
    }

    @Test
    void session_cookie_without_duration_has_no_max_age_or_expires() {
        String cookie = SessionCookies.session(ID, null);
        assertFalse(cookie.contains("Max-Age"), cookie);
        assertFalse(cookie.contains("Expires"), cookie);
    }

    @Test
    void session_cookie_with_duration_has_max_age_in_seconds() {
        List<String> attributes = attributes(SessionCookies.session(ID, Duration.ofHours(8)));
        assertTrue(attributes.contains("Max-Age=28800"), attributes.toString());
    }

    @Test
    void negative_duration_gives_max_age_zero() {
        assertTrue(attributes(SessionCookies.session(ID, Duration.ofSeconds(-5))).contains("Max-Age=0"));
    }

    @Test
    void expired_session_cookie_is_empty_with_max_age_zero() {
        String cookie = SessionCookies.expiredSession();
        assertTrue(cookie.startsWith("__Host-smart-bff-session=;"), cookie);
        assertTrue(attributes(cookie).contains("Max-Age=0"), cookie);
        assertTrue(attributes(cookie).contains("Path=/"), cookie);
        assertTrue(attributes(cookie).contains("Secure"), cookie);
    }

    @Test
    void launch_binding_cookie_is_host_prefixed_with_the_same_attributes() {
        String cookie = SessionCookies.launchBinding("bind-1", Duration.ofMinutes(10));
        assertTrue(cookie.startsWith("__Host-smart-bff-launch=bind-1;"), cookie);
        List<String> attributes = attributes(cookie);
        assertTrue(attributes.containsAll(List.of("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=600")),
                attributes.toString());
        assertFalse(cookie.toLowerCase(Locale.ROOT).contains("domain"), cookie);
    }

    @Test
    void expired_launch_binding_cookie_has_max_age_zero() {
        String cookie = SessionCookies.expiredLaunchBinding();
        assertTrue(cookie.startsWith("__Host-smart-bff-launch=;"), cookie);
        assertTrue(attributes(cookie).contains("Max-Age=0"), cookie);
    }

    @Test
    void read_finds_a_cookie_among_several() {
        String header = "theme=dark; __Host-smart-bff-session=" + VALUE + "; __Host-smart-bff-launch=b1";
        assertEquals(Optional.of(VALUE), SessionCookies.read(header, SessionCookies.SESSION));
        assertEquals(Optional.of("b1"), SessionCookies.read(header, SessionCookies.LAUNCH_BINDING));
    }

    @Test
    void read_tolerates_spaces_around_names_and_values() {
        assertEquals(Optional.of("v1"), SessionCookies.read("a=1;   __Host-smart-bff-session =  v1  ;b=2",
                SessionCookies.SESSION));
    }

    @Test
    void read_strips_surrounding_quotes() {
        assertEquals(Optional.of("v1"), SessionCookies.read("__Host-smart-bff-session=\"v1\"", SessionCookies.SESSION));
    }

    @Test
    void read_keeps_a_lone_quote() {
        assertEquals(Optional.of("\""), SessionCookies.read("__Host-smart-bff-session=\"", SessionCookies.SESSION));
    }

    @Test
    void read_returns_the_first_when_a_name_repeats() {
        assertEquals(Optional.of("first"), SessionCookies
                .read("__Host-smart-bff-session=first; __Host-smart-bff-session=second", SessionCookies.SESSION));
    }

    @Test
    void read_answers_as_splitting_the_header_at_semicolons_would() {
        List<String> headers = new ArrayList<>(List.of("", ";", ";;", "=", "=v", "n", "n=", " n = v ", "nn=1; n=2",
                "n2=1;n=2", "a;n=1", "a=1;;n=2;", "n=\"\"", "x=\"n=1\"; n=3", "\tn\t=\tv\t", "n=1=2;n=3"));
        Random random = new Random(16);
        String alphabet = "n= ;\"\tx";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder header = new StringBuilder();
            for (int j = random.nextInt(14); j > 0; j--) {
                header.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            headers.add(header.toString());
        }
        for (String header : headers) {
            assertEquals(bySplitting(header, "n"), SessionCookies.read(header, "n"), "[" + header + "]");
        }
    }

    /** What read answered before it read in place: the header split at ';', each pair trimmed. */
    private static Optional<String> bySplitting(String header, String name) {
        for (String pair : header.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                String value = pair.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    @Test
    void read_keeps_equals_signs_inside_the_value() {
        assertEquals(Optional.of("a=b=c"), SessionCookies.read("x=1; n=a=b=c", "n"));
    }

    @Test
    void read_returns_empty_when_absent() {
        assertTrue(SessionCookies.read("theme=dark; lang=en", SessionCookies.SESSION).isEmpty());
    }

    @Test
    void read_does_not_match_a_name_that_only_shares_a_prefix_or_suffix() {
        assertTrue(SessionCookies.read("x__Host-smart-bff-session=a; __Host-smart-bff-session-old=b",
                SessionCookies.SESSION).isEmpty());
    }

    @Test
    void read_of_null_or_empty_header_is_empty() {
        assertTrue(SessionCookies.read(null, SessionCookies.SESSION).isEmpty());
        assertTrue(SessionCookies.read("", SessionCookies.SESSION).isEmpty());
    }

    @Test
    void read_returns_an_empty_value_when_the_cookie_is_empty() {
        assertEquals(Optional.of(""), SessionCookies.read("__Host-smart-bff-session=", SessionCookies.SESSION));
    }
}
