package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.web.SessionView;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

class SessionViewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ACCESS = "AT-zzz-distinctive-access-9f8e7d";
    private static final String REFRESH = "RT-zzz-distinctive-refresh-1a2b3c";
    private static final long EXPIRES_AT = 1_735_754_400L; // 2025-01-01T18:00:00Z

    private static SessionRecord record(ObjectNode context, IdTokenClaims identity, String refresh, String scope) {
        return new SessionRecord("ehr", ACCESS, EXPIRES_AT - 1000, refresh, scope, identity, context, EXPIRES_AT - 28800,
                EXPIRES_AT, 0);
    }

    private static ObjectNode fullContext() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"patient":"123","encounter":"enc-9","fhirContext":[{"reference":"Appointment/1"}],
                 "need_patient_banner":false,"smart_style_url":"https://ehr/style.json","intent":"reconcile",
                 "tenant":"t1","vendor_ext":{"x":1},"session_state":"ss-1","not-before-policy":0}
                """);
    }

    private static JsonNode view(SessionRecord record) {
        return JSON.valueToTree(SessionView.of(record));
    }

    private static final IdTokenClaims ALICE = new IdTokenClaims("https://as", "alice",
            "https://ehr.example/fhir/Practitioner/p1", "Alice Doe");

    @Test
    void smart_context_members_are_at_the_top_level() throws Exception {
        JsonNode view = view(record(fullContext(), ALICE, REFRESH, "openid"));
        assertEquals("123", view.get("patient").asText());
        assertEquals("enc-9", view.get("encounter").asText());
        assertEquals("Appointment/1", view.at("/fhirContext/0/reference").asText());
        assertEquals("https://ehr/style.json", view.get("smart_style_url").asText());
        assertEquals("reconcile", view.get("intent").asText());
        assertEquals("t1", view.get("tenant").asText());
    }

    @Test
    void need_patient_banner_stays_a_boolean() throws Exception {
        JsonNode banner = view(record(fullContext(), ALICE, REFRESH, "openid")).get("need_patient_banner");
        assertTrue(banner.isBoolean());
        assertFalse(banner.booleanValue());
    }

    @Test
    void unknown_members_are_under_extensions() throws Exception {
        JsonNode view = view(record(fullContext(), ALICE, REFRESH, "openid"));
        assertEquals(1, view.at("/extensions/vendor_ext/x").asInt());
        assertFalse(view.has("vendor_ext"));
        assertFalse(view.get("extensions").has("patient"));
    }

    @Test
    void token_metadata_members_are_hidden() throws Exception {
        JsonNode view = view(record(fullContext(), ALICE, REFRESH, "openid"));
        assertFalse(view.has("session_state"));
        assertFalse(view.get("extensions").has("session_state"));
        assertFalse(view.get("extensions").has("not-before-policy"));
    }

    @Test
    void identity_scopes_offline_and_expiry_are_shown() throws Exception {
        JsonNode view = view(record(fullContext(), ALICE, REFRESH, "openid fhirUser offline_access"));
        assertEquals("ehr", view.get("server").asText());
        assertEquals("https://ehr.example/fhir/Practitioner/p1", view.get("fhirUser").asText());
        assertEquals("Practitioner", view.get("fhirUserType").asText());
        assertEquals("Alice Doe", view.get("name").asText());
        assertEquals("openid fhirUser offline_access", view.get("scope").asText());
        assertEquals(3, view.get("scopes").size());
        assertEquals("offline_access", view.get("scopes").get(2).asText());
        assertTrue(view.get("offline").booleanValue());
        assertEquals("2025-01-01T18:00:00Z", view.get("expires_at").asText());
    }

    @Test
    void expires_at_is_the_earlier_grant_end_when_the_grant_ends_first() {
        SessionRecord record = new SessionRecord("ehr", ACCESS, EXPIRES_AT - 1000, null, "openid", null, null,
                EXPIRES_AT - 28800, EXPIRES_AT, EXPIRES_AT - 3600);
        assertEquals("2025-01-01T17:00:00Z", view(record).get("expires_at").asText());
    }

    @Test
    void no_identity_gives_null_user_fields() throws Exception {
        Map<String, Object> view = SessionView.of(record(fullContext(), null, null, "launch"));
        assertTrue(view.containsKey("fhirUser"));
        assertNull(view.get("fhirUser"));
        assertNull(view.get("fhirUserType"));
        assertNull(view.get("name"));
        assertEquals(false, view.get("offline"));
    }

    @Test
    void null_context_gives_empty_extensions() {
        JsonNode view = view(record(null, ALICE, REFRESH, "openid"));
        assertTrue(view.get("extensions").isEmpty());
        assertFalse(view.has("patient"));
    }

    @Test
    void no_token_appears_anywhere_in_the_serialised_view() throws Exception {
        ObjectNode context = fullContext();
        String serialised = JSON.writeValueAsString(SessionView.of(record(context, ALICE, REFRESH, "openid offline_access")));
        assertFalse(serialised.contains(ACCESS), serialised);
        assertFalse(serialised.contains(REFRESH), serialised);
        assertFalse(serialised.contains("zzz-distinctive"), serialised);
    }

    @Test
    void token_shaped_names_never_appear_as_view_keys() throws Exception {
        JsonNode view = view(record(fullContext(), ALICE, REFRESH, "openid"));
        for (String name : new String[] { "access_token", "accessToken", "refresh_token", "refreshToken", "id_token" }) {
            assertFalse(view.has(name), name);
        }
    }
}
