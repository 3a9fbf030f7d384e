package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.smartbff.launch.LaunchError;
import org.smartbff.launch.LaunchErrors;
import org.smartbff.launch.LaunchFailure;
import org.smartbff.launch.LaunchFailure.AuthorizationError;
import org.smartbff.launch.LaunchFailure.BindingMismatch;
import org.smartbff.launch.LaunchFailure.DiscoveryFailed;
import org.smartbff.launch.LaunchFailure.InvalidIdToken;
import org.smartbff.launch.LaunchFailure.InvalidReturnTo;
import org.smartbff.launch.LaunchFailure.InvalidServerData;
import org.smartbff.launch.LaunchFailure.IssuerMismatch;
import org.smartbff.launch.LaunchFailure.LaunchParameterTooLong;
import org.smartbff.launch.LaunchFailure.MissingCode;
import org.smartbff.launch.LaunchFailure.MissingEhrParameters;
import org.smartbff.launch.LaunchFailure.MissingState;
import org.smartbff.launch.LaunchFailure.ServerNoLongerConfigured;
import org.smartbff.launch.LaunchFailure.ServerTimeout;
import org.smartbff.launch.LaunchFailure.StoreUnavailable;
import org.smartbff.launch.LaunchFailure.TokenEndpointUnavailable;
import org.smartbff.launch.LaunchFailure.TokenRejected;
import org.smartbff.launch.LaunchFailure.UnknownIss;
import org.smartbff.launch.LaunchFailure.UnknownServer;
import org.smartbff.launch.LaunchFailure.UnknownState;
import org.smartbff.session.StoreUnavailableException;
import org.smartbff.smart.DiscoveryException;
import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.ServerTimeoutException;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenEndpointException.Kind;

/** The catalogue of launch errors: which failure is told with which status, code and text. */
class LaunchErrorsTest {

    /** One of each kind of failure. */
    private static final List<LaunchFailure> EVERY_FAILURE = List.of(new UnknownServer("lab"), new InvalidReturnTo(),
            new MissingEhrParameters(), new UnknownIss(), new LaunchParameterTooLong(), new MissingState(),
            new UnknownState(), new BindingMismatch(), new MissingCode(), new AuthorizationError("server_error", null),
            new ServerNoLongerConfigured(), new IssuerMismatch(), new TokenRejected("invalid_grant"),
            new TokenEndpointUnavailable(), new ServerTimeout("token"), new InvalidServerData("patient"),
            new InvalidIdToken("the id token has expired"), new DiscoveryFailed("no PKCE S256"), new StoreUnavailable());

    @Test
    void every_kind_of_failure_has_a_status_a_code_and_a_sentence() {
        Set<Class<?>> covered = EVERY_FAILURE.stream().map(Object::getClass).collect(Collectors.toSet());
        assertEquals(Set.of(LaunchFailure.class.getPermittedSubclasses()), covered,
                "a new LaunchFailure needs its entry in LaunchErrors and here");
        for (LaunchFailure failure : EVERY_FAILURE) {
            LaunchError error = LaunchErrors.of(failure);
            assertTrue(error.status() >= 400 && error.status() < 600, failure + ": " + error);
            assertTrue(error.status() != 500, failure + " is expected, so never a 500");
            assertTrue(error.error().matches("[a-z_]+"), failure + ": " + error);
            assertTrue(error.description().endsWith("."), failure + ": " + error);
        }
    }

    @Test
    void the_browsers_mistakes_are_400() {
        assertError(400, "invalid_request", "An EHR launch needs both iss and launch.", new MissingEhrParameters());
        assertError(400, "unknown_iss", "This application is not set up for the FHIR server that launched it.",
                new UnknownIss());
        assertError(400, "invalid_return_to", "return_to must be a path on this site.", new InvalidReturnTo());
        assertError(400, "invalid_state", "This sign-in has already been completed or has expired. Please start again.",
                new UnknownState());
        assertError(400, "launch_binding_mismatch",
                "This sign-in was started in another browser or its cookie is missing. Please start again here.",
                new BindingMismatch());
        assertError(400, "invalid_request", "The sign-in response carries no state. Please start again.",
                new MissingState());
    }

    @Test
    void a_server_name_from_the_request_is_shown_printable_and_bounded() {
        LaunchError error = LaunchErrors.of(new UnknownServer("lab\r\n\u0000" + "x".repeat(300)));
        assertEquals("unknown_server", error.error());
        assertEquals("There is no SMART server named 'lab" + "x".repeat(197) + "' configured here.", error.description());
    }

    @Test
    void the_user_saying_no_is_403_and_the_servers_words_follow_ours() {
        assertError(403, "access_denied", "Access was not granted. You can start again whenever you are ready."
                + " It said: The user said no", new AuthorizationError("access_denied", "The user said\n no"));
        assertError(403, "access_denied", "Access was not granted. You can start again whenever you are ready.",
                new AuthorizationError("access_denied", null));
    }

    @Test
    void other_oauth_errors_keep_their_code_cut_to_printable_ascii() {
        assertError(400, "invalid_scope", "The server refused the requested scopes. Ask the administrator to check"
                + " the scope configuration.", new AuthorizationError("invalid_scope", null));
        assertError(400, "temporarily_unavailable", "The authorization server could not complete the sign-in"
                + " (temporarily_unavailable).", new AuthorizationError("temporarily_\u00e9unavailable", null));
    }

    @Test
    void servers_that_fail_us_are_502_or_504_and_our_store_503() {
        assertError(502, "token_endpoint_unavailable",
                "The authorization server did not complete the sign-in. Please try again.", new TokenEndpointUnavailable());
        assertError(504, "server_timeout", "The SMART server did not answer in time (discovery). Please try again in a"
                + " moment.", new ServerTimeout("discovery"));
        assertError(502, "invalid_server_response", "The SMART server sent a fhirUser that this application does not"
                + " accept, so no session was made. Please tell the administrator of the SMART server.",
                new InvalidServerData("fhirUser"));
        assertError(502, "discovery_failed", "No PKCE S256.", new DiscoveryFailed("no PKCE S256"));
        assertError(503, "temporarily_unavailable", "Sign-in is unavailable for a moment. Please try again shortly.",
                new StoreUnavailable());
    }

    @Test
    void a_refused_code_exchange_and_an_untrusted_id_token_are_400() {
        assertError(400, "invalid_grant", "The authorization server refused the sign-in (invalid_grant). Please start"
                + " again.", new TokenRejected("invalid_grant"));
        assertError(400, "invalid_id_token", "The id token has expired.", new InvalidIdToken("the id token has expired"));
    }

    @Test
    void a_bug_is_500_and_says_nothing_more() {
        assertEquals(new LaunchError(500, "server_error", "The sign-in could not be completed."), LaunchErrors.UNEXPECTED);
    }

    @Test
    void the_failures_the_smart_clients_and_stores_announce_become_launch_failures() {
        assertEquals(new TokenRejected("invalid_grant"),
                LaunchFailure.of(new TokenEndpointException(Kind.REJECTED, "invalid_grant", "code used")));
        assertEquals(new TokenEndpointUnavailable(),
                LaunchFailure.of(new TokenEndpointException(Kind.UNAVAILABLE, "temporarily_unavailable", null)));
        assertEquals(new TokenEndpointUnavailable(), LaunchFailure.of(TokenEndpointException.invalidResponse("no")));
        assertEquals(new ServerTimeout("jwks"), LaunchFailure.of(new ServerTimeoutException("jwks", Duration.ofSeconds(5))));
        assertEquals(new InvalidServerData("patient"), LaunchFailure.of(new ServerDataException("patient", "is too long")));
        assertEquals(new InvalidIdToken("nonce mismatch"), LaunchFailure.of(new IdTokenException("nonce mismatch")));
        assertEquals(new DiscoveryFailed("not reachable"), LaunchFailure.of(new DiscoveryException("not reachable")));
        assertEquals(new StoreUnavailable(),
                LaunchFailure.of(new StoreUnavailableException(new IllegalStateException("connection refused"))));
    }

    @Test
    void anything_else_is_not_a_launch_failure_but_a_bug() {
        for (Throwable bug : Arrays.asList(new NullPointerException(), new IllegalStateException("x"),
                new RuntimeException(new StoreUnavailableException(new RuntimeException())))) {
            assertNull(LaunchFailure.of(bug), bug.toString());
        }
        assertFalse(LaunchErrors.UNEXPECTED.description().contains("Exception"));
    }

    private static void assertError(int status, String error, String description, LaunchFailure failure) {
        assertEquals(new LaunchError(status, error, description), LaunchErrors.of(failure));
    }
}
