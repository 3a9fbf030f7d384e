package org.smartbff.testsupport.fake;

/** Who the fake is: the fixed identities of its one client, user and patient, and its addresses once it listens. */
final class Identity {

    static final String CLIENT_ID = "smart-bff-test";
    static final String PATIENT_ID = "e4531916-b162-4f4b-90c2-ce37e132b8d4";
    static final String DEFAULT_ENCOUNTER_ID = "enc-1";
    static final String SUBJECT = "practitioner-123";
    static final String OTHER_SUBJECT = "someone-else";

    /** Known only once the server listens; volatile because the event loop reads it. */
    private volatile String baseUrl;

    void listensAt(String url) {
        baseUrl = url;
    }

    String baseUrl() {
        return baseUrl;
    }

    String fhirBase() {
        return baseUrl + "/fhir";
    }

    /** Deliberately different from {@link #fhirBase()}. */
    String issuer() {
        return baseUrl + "/oauth";
    }

    String tokenEndpoint() {
        return baseUrl + "/oauth/token";
    }
}
