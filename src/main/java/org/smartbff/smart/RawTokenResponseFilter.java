package org.smartbff.smart;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.Unremovable;
import io.quarkus.oidc.common.OidcEndpoint;
import io.quarkus.oidc.common.OidcResponseFilter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;

/**
 * Keeps the token response exactly as the server sent it. quarkus-oidc-client's {@code Tokens} only exposes members as
 * strings, which loses the SMART launch context's JSON ({@code fhirContext} is an array of objects,
 * {@code need_patient_banner} a boolean). This filter adds the original body as one string member, which
 * {@link TokenClient} parses with the full JSON model.
 */
@ApplicationScoped
// Looked up programmatically by quarkus-oidc-client, so nothing injects it: keep ArC from removing it.
@Unremovable
@OidcEndpoint(OidcEndpoint.Type.TOKEN)
public class RawTokenResponseFilter implements OidcResponseFilter {

    static final String RAW_MEMBER = "smart_bff_raw_token_response";
    /** Put in place of a body over {@link ServerDataRules#MAX_TOKEN_RESPONSE_BYTES}, which is then not parsed. */
    static final String OVERSIZED_MEMBER = "smart_bff_oversized_token_response";

    @Override
    public Uni<Void> filter(OidcResponseFilterContext context) {
        Buffer body = context.responseBody();
        if (context.statusCode() == 200 && body != null && body.length() > ServerDataRules.MAX_TOKEN_RESPONSE_BYTES) {
            // Not parsed: no token is taken from a response this large, and parsing it would cost as much as reading.
            context.responseBody(Buffer.buffer(new JsonObject().put(OVERSIZED_MEMBER, body.length()).encode()));
        } else if (context.statusCode() == 200 && body != null) {
            try {
                JsonObject json = body.toJsonObject();
                json.put(RAW_MEMBER, body.toString());
                context.responseBody(Buffer.buffer(json.encode()));
            } catch (RuntimeException notJson) {
                // Left as it is: TokenClient reports a response that is not JSON.
            }
        }
        return Uni.createFrom().voidItem();
    }
}
