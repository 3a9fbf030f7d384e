package org.smartbff.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The FHIR {@code OperationOutcome} bodies of the proxy's own errors. Each carries a stable smart-bff code in
 * {@code issue[0].details.coding} (system {@link #SYSTEM}), e.g. {@code session_expired}, for the SPA to switch on.
 */
public final class OperationOutcomes {

    public static final String SYSTEM = "urn:smart-bff:error";
    public static final String CONTENT_TYPE = "application/fhir+json; charset=utf-8";

    private OperationOutcomes() {
    }

    /**
     * @param issueType a FHIR {@code IssueType} code: login, forbidden, security, invalid, transient, timeout, exception
     * @param code the smart-bff code
     * @param text a sentence for a developer
     */
    public static String of(String issueType, String code, String text) {
        JsonObject coding = new JsonObject().put("system", SYSTEM).put("code", code);
        JsonObject issue = new JsonObject()
                .put("severity", "error")
                .put("code", issueType)
                .put("details", new JsonObject().put("coding", new JsonArray().add(coding)).put("text", text))
                .put("diagnostics", text);
        return new JsonObject().put("resourceType", "OperationOutcome").put("issue", new JsonArray().add(issue)).encode();
    }
}
