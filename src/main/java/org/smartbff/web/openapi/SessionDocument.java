package org.smartbff.web.openapi;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The launch context {@code GET /auth/session} returns, as documented in the OpenAPI (built by SessionView). */
@Schema(name = "Session", description = "Who is logged in and the SMART launch context. Never a token.")
public record SessionDocument(
        @Schema(description = "The configured server the session was launched against.", examples = "ehr") String server,
        @Schema(description = "The user's FHIR resource, relative or absolute.", examples = "Practitioner/123") String fhirUser,
        @Schema(description = "The resource type of fhirUser.", examples = "Practitioner") String fhirUserType,
        @Schema(description = "The user's name from the id token, when given.") String name,
        @Schema(description = "The granted scopes, space-separated.") String scope,
        @Schema(description = "The granted scopes as a list.") List<String> scopes,
        @Schema(description = "Whether the session may outlive the browser session (offline_access).") boolean offline,
        @Schema(name = "expires_at", description = "When the session ends at the latest (ISO-8601).") String expires_at,
        @Schema(description = "The patient in context.") String patient,
        @Schema(description = "The encounter in context.") String encounter,
        @Schema(description = "SMART 2 fhirContext: references in context.") List<Map<String, Object>> fhirContext,
        @Schema(name = "need_patient_banner", description = "Whether the app must show a patient banner.") Boolean need_patient_banner,
        @Schema(name = "smart_style_url", description = "The EHR's style document.") String smart_style_url,
        @Schema(description = "The launch intent, when given.") String intent,
        @Schema(description = "The tenant, when given.") String tenant,
        @Schema(description = "Other members of the token response, as they came (vendor extensions).") Map<String, Object> extensions) {
}
