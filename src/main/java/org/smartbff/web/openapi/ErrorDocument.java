package org.smartbff.web.openapi;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The JSON error of the {@code /auth} endpoints, as documented in the OpenAPI (the code builds it in ErrorResponses). */
@Schema(name = "Error", description = "An error of the /auth endpoints (RFC 6749 style).")
public record ErrorDocument(
        @Schema(description = "A stable code: no_session, csrf_header_missing, invalid_state, launch_binding_mismatch, "
                + "access_denied, invalid_scope, unknown_server, unknown_iss, invalid_return_to, discovery_failed, "
                + "temporarily_unavailable, ...", examples = "no_session") String error,
        @Schema(name = "error_description", description = "A sentence for a person.") String error_description) {
}
