package org.smartbff.token;

/** Why a refresh is made; its tag is what the metrics and the debug log say. */
enum RefreshReason {
    /** Due, before expiry: callers go on with the current token. */
    AHEAD("ahead"),
    /** Expired: callers wait. */
    EXPIRED("expired"),
    /** The FHIR server answered 401 to a token we held valid. */
    REJECTED("rejected");

    final String tag;

    RefreshReason(String tag) {
        this.tag = tag;
    }

    @Override
    public String toString() {
        return tag;
    }
}
