package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.TokenResponse;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

class SessionRecordTest {

    private static final Instant NOW = Instant.parse("2025-01-01T10:00:00Z");
    private static final long T = NOW.getEpochSecond();
    private static final String ACCESS = "AT-distinctive-1111";
    private static final String REFRESH = "RT-distinctive-2222";
    private static final IdTokenClaims ALICE = new IdTokenClaims("https://as", "alice", "Practitioner/1", "Alice");

    private static ObjectNode context() {
        return JsonNodeFactory.instance.objectNode().put("patient", "123");
    }

    private static SessionRecord record(long accessExpiresAt, String refreshToken, String scope) {
        return record(accessExpiresAt, refreshToken, scope, 0);
    }

    private static SessionRecord record(long accessExpiresAt, String refreshToken, String scope, long grantExpiresAt) {
        return new SessionRecord("ehr", ACCESS, accessExpiresAt, refreshToken, scope, ALICE, context(), T, T + 28800,
                grantExpiresAt);
    }

    private static TokenResponse tokens(String access, Long expiresIn, String refresh, String scope) {
        return tokens(access, expiresIn, refresh, scope, null);
    }

    private static TokenResponse tokens(String access, Long expiresIn, String refresh, String scope,
            Long refreshExpiresIn) {
        return new TokenResponse(access, "Bearer", expiresIn, refresh, scope, null, context(), refreshExpiresIn);
    }

    @Test
    void a_record_from_before_issue_times_were_kept_knows_its_expiry_to_the_second() {
        SessionRecord record = record(T + 30, REFRESH, "openid");
        assertNull(record.accessTokenIssued());
        assertEquals(NOW.plusSeconds(30), record.accessTokenExpiry());
    }

    @Test
    void unknown_expiry_is_null() {
        assertNull(record(0, REFRESH, "openid").accessTokenExpiry());
    }

    @Test
    void the_expiry_of_a_token_issued_within_a_second_is_exact_to_the_millisecond() {
        Instant asked = NOW.plusMillis(900);
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, 2L, REFRESH, "openid"), "openid", ALICE,
                asked, Duration.ofHours(8));
        assertEquals(asked, record.accessTokenIssued());
        assertEquals(asked.plusSeconds(2), record.accessTokenExpiry());
        assertEquals(T + 2, record.accessTokenExpiresAt(), "the whole second, as records always had it");

        SessionRecord refreshed = record.refreshed(tokens("AT-new", 10L, null, null), null, asked.plusMillis(1650));
        assertEquals(asked.plusMillis(1650), refreshed.accessTokenIssued());
        assertEquals(asked.plusMillis(11_650), refreshed.accessTokenExpiry());
    }

    @Test
    void a_record_written_before_issue_times_were_kept_still_opens() throws Exception {
        // As SealedJson reads records: a member this version does not know is ignored, a missing one is 0.
        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        ObjectNode written = json.valueToTree(record(T + 60, REFRESH, "openid"));
        written.remove("accessTokenIssuedAt");
        SessionRecord read = json.treeToValue(written, SessionRecord.class);
        assertEquals(0, read.accessTokenIssuedAt());
        assertEquals(NOW.plusSeconds(60), read.accessTokenExpiry());
        assertEquals(REFRESH, read.refreshToken());

        SessionRecord current = SessionRecord.fromLogin("ehr", tokens(ACCESS, 60L, REFRESH, "openid"), "openid", ALICE,
                NOW.plusMillis(5), Duration.ofHours(8));
        assertEquals(current, json.readValue(json.writeValueAsBytes(current), SessionRecord.class));
    }

    @Test
    void session_expires_at_its_absolute_end() {
        SessionRecord record = record(0, null, "openid");
        assertFalse(record.expired(NOW.plusSeconds(28799)));
        assertTrue(record.expired(NOW.plusSeconds(28800)));
    }

    @Test
    void from_login_computes_expiry_and_absolute_end() {
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, 300L, REFRESH, "openid launch"), "requested",
                ALICE, NOW, Duration.ofHours(8));
        assertEquals(T + 300, record.accessTokenExpiresAt());
        assertEquals(T, record.createdAt());
        assertEquals(T + 8 * 3600, record.expiresAt());
        assertEquals("openid launch", record.scope());
        assertEquals(REFRESH, record.refreshToken());
        assertEquals("123", record.context().get("patient").asText());
    }

    @Test
    void from_login_without_expires_in_has_unknown_expiry() {
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, null, null, "openid"), "openid", null, NOW,
                Duration.ofHours(1));
        assertEquals(0, record.accessTokenExpiresAt());
    }

    @Test
    void from_login_without_granted_scope_keeps_the_requested_scope() {
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, 60L, null, null), "openid fhirUser", null,
                NOW, Duration.ofHours(1));
        assertEquals("openid fhirUser", record.scope());
    }

    @Test
    void refreshed_keeps_the_old_refresh_token_when_the_response_has_none() {
        SessionRecord refreshed = record(T, REFRESH, "openid").refreshed(tokens("AT-new", 600L, null, null), null,
                NOW.plusSeconds(100));
        assertEquals(REFRESH, refreshed.refreshToken());
        assertEquals("AT-new", refreshed.accessToken());
        assertEquals(T + 700, refreshed.accessTokenExpiresAt());
    }

    @Test
    void refreshed_takes_the_rotated_refresh_token_when_present() {
        SessionRecord refreshed = record(T, REFRESH, "openid").refreshed(tokens("AT-new", 600L, "RT-new", null), null,
                NOW);
        assertEquals("RT-new", refreshed.refreshToken());
    }

    @Test
    void refreshed_narrows_the_scope_when_the_server_says_so_and_keeps_it_otherwise() {
        SessionRecord record = record(T, REFRESH, "openid patient/*.rs offline_access");
        assertEquals("openid offline_access",
                record.refreshed(tokens("AT-new", 60L, null, "openid offline_access"), null, NOW).scope());
        assertEquals("openid patient/*.rs offline_access",
                record.refreshed(tokens("AT-new", 60L, null, null), null, NOW).scope());
    }

    @Test
    void refreshed_keeps_server_identity_context_and_session_times() {
        SessionRecord record = record(T, REFRESH, "openid");
        SessionRecord refreshed = record.refreshed(tokens("AT-new", 60L, null, null), null, NOW.plusSeconds(500));
        assertEquals("ehr", refreshed.server());
        assertSame(ALICE, refreshed.identity());
        assertSame(record.context(), refreshed.context());
        assertEquals(record.createdAt(), refreshed.createdAt());
        assertEquals(record.expiresAt(), refreshed.expiresAt());
    }

    @Test
    void refreshed_takes_a_new_identity_when_given() {
        IdTokenClaims bob = new IdTokenClaims("https://as", "bob", "Patient/2", "Bob");
        assertSame(bob, record(T, REFRESH, "openid").refreshed(tokens("AT-new", 60L, null, null), bob, NOW).identity());
    }

    @Test
    void offline_needs_offline_access_scope_and_a_refresh_token() {
        assertTrue(record(0, REFRESH, "openid offline_access").offline());
    }

    @Test
    void not_offline_without_a_refresh_token() {
        assertFalse(record(0, null, "openid offline_access").offline());
    }

    @Test
    void not_offline_with_only_online_access() {
        assertFalse(record(0, REFRESH, "openid online_access").offline());
    }

    @Test
    void not_offline_with_null_scope() {
        assertFalse(record(0, REFRESH, null).offline());
    }

    @Test
    void grant_ending_before_the_absolute_timeout_ends_the_session_sooner() {
        SessionRecord record = record(T + 60, REFRESH, "openid", T + 3600);
        assertEquals(T + 3600, record.endsAt());
        assertFalse(record.expired(NOW.plusSeconds(3599)));
        assertTrue(record.expired(NOW.plusSeconds(3600)));
    }

    @Test
    void grant_ending_after_the_absolute_timeout_does_not_extend_the_session() {
        assertEquals(T + 28800, record(T + 60, REFRESH, "openid", T + 99999).endsAt());
    }

    @Test
    void unknown_grant_expiry_leaves_the_absolute_timeout() {
        assertEquals(T + 28800, record(T + 60, REFRESH, "openid", 0).endsAt());
    }

    @Test
    void from_login_without_refresh_token_ends_the_grant_with_the_access_token() {
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, 300L, null, "openid"), "openid", null, NOW,
                Duration.ofHours(8));
        assertEquals(T + 300, record.grantExpiresAt());
        assertEquals(T + 300, record.endsAt());
    }

    @Test
    void from_login_with_refresh_expires_in_ends_the_grant_with_the_refresh_token() {
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, 300L, REFRESH, "openid", 1800L), "openid",
                null, NOW, Duration.ofHours(8));
        assertEquals(T + 1800, record.grantExpiresAt());
    }

    @Test
    void refresh_expires_in_of_zero_means_the_grant_does_not_expire() {
        SessionRecord record = SessionRecord.fromLogin("ehr", tokens(ACCESS, 300L, REFRESH, "openid", 0L), "openid",
                null, NOW, Duration.ofHours(8));
        assertEquals(0, record.grantExpiresAt());
        assertEquals(T + 8 * 3600, record.endsAt());
    }

    @Test
    void refreshed_without_new_refresh_token_keeps_the_grant_expiry() {
        SessionRecord refreshed = record(T, REFRESH, "openid", T + 5000).refreshed(tokens("AT-new", 600L, null, null),
                null, NOW.plusSeconds(100));
        assertEquals(T + 5000, refreshed.grantExpiresAt());
    }

    @Test
    void refreshed_with_rotated_refresh_token_takes_the_new_grant_expiry() {
        SessionRecord refreshed = record(T, REFRESH, "openid", T + 5000)
                .refreshed(tokens("AT-new", 600L, "RT-new", null, 7200L), null, NOW.plusSeconds(100));
        assertEquals(T + 100 + 7200, refreshed.grantExpiresAt());
    }

    @Test
    void to_string_has_no_token_values() {
        String text = record(T + 60, REFRESH, "openid").toString();
        assertFalse(text.contains(ACCESS), text);
        assertFalse(text.contains(REFRESH), text);
        assertFalse(text.contains("distinctive"), text);
    }

    @Test
    void to_string_without_refresh_token_says_absent() {
        assertTrue(record(0, null, "openid").toString().contains("refreshToken=absent"));
        assertNull(record(0, null, "openid").refreshToken());
    }
}
