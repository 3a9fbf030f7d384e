package org.smartbff.web;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.smartbff.session.SessionRecord;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.Scopes;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What {@code GET /auth/session} shows the SPA: who, the launch context, the granted scopes and expiry. Built from a
 * whitelist of fields, so no token can reach it whatever the record holds.
 */
public final class SessionView {

    /** The launch context members SMART App Launch 2 defines; they are shown at the top level. */
    static final Set<String> SMART_CONTEXT = Set.of("patient", "encounter", "fhirContext", "need_patient_banner",
            "smart_style_url", "intent", "tenant");
    /** Token metadata that servers send beside the context; never shown. */
    private static final Set<String> HIDDEN = Set.of("session_state", "not-before-policy");

    private SessionView() {
    }

    public static Map<String, Object> of(SessionRecord record) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("server", record.server());
        IdTokenClaims identity = record.identity();
        view.put("fhirUser", identity != null ? identity.fhirUser() : null);
        view.put("fhirUserType", identity != null ? identity.fhirUserType() : null);
        view.put("name", identity != null ? identity.name() : null);
        view.put("scope", record.scope());
        view.put("scopes", Scopes.parse(record.scope()).values());
        view.put("offline", record.offline());
        view.put("expires_at", Instant.ofEpochSecond(record.endsAt()).toString());
        Map<String, JsonNode> extensions = new LinkedHashMap<>();
        if (record.context() != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = record.context().fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> member = it.next();
                if (SMART_CONTEXT.contains(member.getKey())) {
                    view.put(member.getKey(), member.getValue());
                } else if (!HIDDEN.contains(member.getKey())) {
                    extensions.put(member.getKey(), member.getValue());
                }
            }
        }
        view.put("extensions", extensions);
        return view;
    }
}
