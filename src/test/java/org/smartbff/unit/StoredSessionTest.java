package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.StoredSession;
import org.smartbff.session.UnreadableRecordException;
import org.smartbff.smart.IdTokenClaims;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The stored form of a session: versioned, and still reading what earlier versions wrote. */
class StoredSessionTest {

    /** As SealedJson reads and writes records. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A session as smart-bff wrote it before the stored form had a version: the JSON of SessionRecord itself. */
    private static final String PREVIOUS_FORMAT = """
            {"server":"ehr","accessToken":"AT-1111","accessTokenExpiresAt":1735725660,"refreshToken":"RT-2222",
             "scope":"openid fhirUser launch/patient patient/*.rs offline_access",
             "identity":{"issuer":"https://as.example","subject":"alice","fhirUser":"Practitioner/1","name":"Alice"},
             "context":{"patient":"p-1","need_patient_banner":true},
             "createdAt":1735725600,"expiresAt":1735754400,"grantExpiresAt":0,"accessTokenIssuedAt":1735725600250}
            """;

    private static SessionRecord open(String json) throws Exception {
        return JSON.readValue(json, StoredSession.class).toRecord();
    }

    @Test
    void a_session_written_in_the_previous_format_still_opens() throws Exception {
        SessionRecord record = open(PREVIOUS_FORMAT);
        assertEquals("ehr", record.server());
        assertEquals("AT-1111", record.accessToken());
        assertEquals("RT-2222", record.refreshToken());
        assertEquals(new IdTokenClaims("https://as.example", "alice", "Practitioner/1", "Alice"), record.identity());
        assertEquals("p-1", record.context().get("patient").asText());
        assertEquals(1735754400L, record.expiresAt());
        assertEquals(Instant.ofEpochMilli(1735725660250L), record.accessTokenExpiry());
    }

    @Test
    void an_older_session_without_the_access_token_issue_time_still_opens() throws Exception {
        ObjectNode older = (ObjectNode) JSON.readTree(PREVIOUS_FORMAT);
        older.remove("accessTokenIssuedAt");
        older.putNull("identity");
        SessionRecord record = open(older.toString());
        assertNull(record.accessTokenIssued());
        assertNull(record.identity());
        assertEquals(Instant.ofEpochSecond(1735725660L), record.accessTokenExpiry(), "the whole second it kept");
    }

    @Test
    void what_this_version_writes_is_versioned_and_reads_back_as_the_same_record() throws Exception {
        SessionRecord record = open(PREVIOUS_FORMAT);
        ObjectNode written = JSON.valueToTree(StoredSession.of(record));
        assertEquals(StoredSession.VERSION, written.get("v").asInt());
        assertEquals(record, open(written.toString()));
        // The members keep the names they had in Redis: a replica of the previous version reads this record too.
        written.remove("v");
        assertEquals(JSON.readTree(PREVIOUS_FORMAT), JSON.readTree(written.toString()));
    }

    @Test
    void a_session_of_a_newer_format_than_this_replica_knows_does_not_open() throws Exception {
        ObjectNode newer = (ObjectNode) JSON.readTree(PREVIOUS_FORMAT);
        newer.put("v", StoredSession.VERSION + 1);
        assertThrows(UnreadableRecordException.class, () -> open(newer.toString()));
    }

    @Test
    void the_stored_form_names_no_token() throws Exception {
        String text = JSON.readValue(PREVIOUS_FORMAT, StoredSession.class).toString();
        assertFalse(text.contains("AT-1111") || text.contains("RT-2222"), text);
    }
}
