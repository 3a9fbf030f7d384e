package org.smartbff.token;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartbff.smart.IdTokenException;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.ServerTimeoutException;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenEndpointException.Kind;

/** What a failed refresh means for the session, from the failure alone. */
class RefreshFailureTest {

    @ParameterizedTest
    @ValueSource(strings = { "invalid_grant", "invalid_client", "unauthorized_client" })
    void an_oauth_error_saying_the_grant_is_gone_ends_the_session(String error) {
        assertEquals(new RefreshFailure.GrantEnded(error),
                RefreshFailure.of(new TokenEndpointException(Kind.REJECTED, error, "the server said so")));
    }

    @ParameterizedTest
    @ValueSource(strings = { "invalid_request", "invalid_scope", "temporarily_unavailable", "server_error" })
    void other_oauth_errors_keep_the_session_for_another_try(String error) {
        assertEquals(RefreshFailure.Transient.class,
                RefreshFailure.of(new TokenEndpointException(Kind.REJECTED, error, null)).getClass());
    }

    @Test
    void a_token_endpoint_that_is_down_or_answers_nonsense_keeps_the_session() {
        assertEquals(new RefreshFailure.Transient("temporarily_unavailable: the token endpoint did not answer with"
                + " tokens or an OAuth error"), RefreshFailure.of(TokenEndpointException.fromErrorBody("<html>")));
        assertEquals(RefreshFailure.Transient.class,
                RefreshFailure.of(TokenEndpointException.invalidResponse("no access_token")).getClass());
    }

    @Test
    void network_failures_and_timeouts_keep_the_session() {
        assertEquals(new RefreshFailure.Transient("Connection refused"),
                RefreshFailure.of(new ConnectException("Connection refused")));
        assertEquals(RefreshFailure.Transient.class,
                RefreshFailure.of(new ServerTimeoutException("token", Duration.ofSeconds(10))).getClass());
        assertEquals(RefreshFailure.Transient.class, RefreshFailure.of(new IOException("reset")).getClass());
    }

    @Test
    void an_id_token_that_does_not_verify_ends_the_session() {
        assertEquals(new RefreshFailure.IdentityRefused("the id token's subject changed"),
                RefreshFailure.of(new IdTokenException("the id token's subject changed")));
    }

    @Test
    void refreshed_server_data_that_breaks_the_rules_ends_the_session_naming_the_member() {
        assertEquals(new RefreshFailure.DataRefused("patient", "patient is not a FHIR id"),
                RefreshFailure.of(new ServerDataException("patient", "is not a FHIR id")));
    }
}
