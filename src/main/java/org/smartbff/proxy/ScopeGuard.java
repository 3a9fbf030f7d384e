package org.smartbff.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.observe.JsonNodeText;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.scope.Classification;
import org.smartbff.smart.scope.FhirRequestClassifier;
import org.smartbff.smart.scope.GrantedScopes;
import org.smartbff.smart.scope.Interaction;
import org.smartbff.smart.scope.PatientCompartment;
import org.smartbff.smart.scope.QueryStrings;
import org.smartbff.smart.scope.RequiredPermission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.ByteBufInputStream;
import io.vertx.core.buffer.Buffer;

/**
 * Defence in depth: a proxied call is forwarded only if a GRANTED scope allows it (SMART v1 and v2, wildcards,
 * granular v2 constraints on searches) and, for sessions whose data scopes are all {@code patient/}, only if it stays
 * within the launch patient. The FHIR server enforces its own rules too; this keeps a buggy or compromised SPA from
 * even asking for what the user did not grant.
 *
 * <p>
 * Pure decision code: the proxy hands it the request and, where needed, the body.
 */
@ApplicationScoped
public class ScopeGuard {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to do with a call. */
    public sealed interface Verdict {
        /** Forward it. */
        record Allow() implements Verdict {
        }

        /** The decision needs the request body (a batch/transaction, a form-encoded search): read it and ask again. */
        record NeedsBody() implements Verdict {
        }

        /** Refuse it. */
        record Deny(int status, String issueType, String code, String text) implements Verdict {
        }
    }

    static final Verdict ALLOW = new Verdict.Allow();
    static final Verdict NEEDS_BODY = new Verdict.NeedsBody();

    private final SmartBffConfig.Proxy config;
    /** Parsed scope strings: sessions share a handful of them, and every call needs one. */
    private final Map<String, GrantedScopes> parsed = new ConcurrentHashMap<>();

    public ScopeGuard(SmartBffConfig config) {
        this.config = config.proxy();
    }

    private GrantedScopes granted(SessionRecord session) {
        String scope = session.scope() == null ? "" : session.scope();
        GrantedScopes scopes = parsed.get(scope);
        if (scopes == null) {
            if (parsed.size() > 1_000) {
                parsed.clear();
            }
            scopes = GrantedScopes.parse(scope);
            parsed.put(scope, scopes);
        }
        return scopes;
    }

    /**
     * @param body the request body when it was read, else null
     */
    public Verdict check(SessionRecord session, String method, String path, String rawQuery, String contentType,
            String ifNoneExist, Buffer body) {
        if (!config.enforceScopes()) {
            return ALLOW;
        }
        Optional<Map<String, List<String>>> parsedQuery = QueryStrings.parseRequestQuery(rawQuery);
        if (parsedQuery.isEmpty()) {
            return new Verdict.Deny(400, "invalid", "invalid_query", "The query string is malformed.");
        }
        Map<String, List<String>> query = parsedQuery.get();
        if (isPageOfEarlierSearch(method, path, query)) {
            // [base]?_getpages=...: the next page of a search the server already ran under these same scopes (HAPI
            // and servers built on it page this way). It reaches nothing the first page could not.
            return granted(session).resourceScopes().stream()
                    .anyMatch(scope -> scope.allows(Interaction.SEARCH)) ? ALLOW
                            : new Verdict.Deny(403, "forbidden", "scope_insufficient", "No granted scope allows searches.");
        }
        if (method.equals("POST") && path.endsWith("_search") && isForm(contentType)) {
            // A search by POST carries its parameters in the body: they count like the query's.
            if (body == null) {
                return NEEDS_BODY;
            }
            Optional<Map<String, List<String>>> form = QueryStrings.parseRequestQuery(body.toString());
            if (form.isEmpty()) {
                return new Verdict.Deny(400, "invalid", "invalid_query", "The search form is malformed.");
            }
            query = merge(query, form.get());
        }
        GrantedScopes granted = granted(session);
        Classification classification = FhirRequestClassifier.classify(method, path, query, ifNoneExist);
        if (classification instanceof Classification.Access access) {
            return decide(access, granted, session);
        }
        if (classification instanceof Classification.Refused refused) {
            return new Verdict.Deny(400, "not-supported", "unsupported_request", refused.reason());
        }
        if (classification instanceof Classification.NeedsBody) {
            return body == null ? NEEDS_BODY : checkBundle(body, granted, session);
        }
        return ALLOW; // Unrestricted: the CapabilityStatement
    }

    private Verdict decide(Classification.Access access, GrantedScopes granted, SessionRecord session) {
        List<RequiredPermission> missing = granted.missing(access);
        if (!missing.isEmpty()) {
            return new Verdict.Deny(403, "forbidden", "scope_insufficient",
                    "No granted scope allows " + describe(missing) + ".");
        }
        if (config.patientCompartmentCheck() && granted.patientScopesOnly()) {
            String patient = JsonNodeText.of(session.context(), "patient").value();
            if (patient == null) {
                return new Verdict.Deny(403, "forbidden", "patient_compartment",
                        "This session has patient scopes but no patient in context.");
            }
            PatientCompartment.Decision decision = PatientCompartment.check(access, patient);
            if (decision instanceof PatientCompartment.Decision.Deny deny) {
                return new Verdict.Deny(403, "forbidden", "patient_compartment", deny.reason());
            }
        }
        return ALLOW;
    }

    /** Every entry of a batch or transaction must be allowed on its own. */
    private Verdict checkBundle(Buffer body, GrantedScopes granted, SessionRecord session) {
        JsonNode bundle;
        try {
            // Read where it lies: a copy of a batch of up to max-request-body would be memory the budget of held
            // bodies does not count.
            bundle = JSON.readTree(new ByteBufInputStream(body.getByteBuf()));
        } catch (Exception e) {
            return new Verdict.Deny(400, "invalid", "invalid_bundle", "The body is not a JSON Bundle.");
        }
        String type = bundle.path("type").asText();
        if (!"Bundle".equals(bundle.path("resourceType").asText()) || !(type.equals("batch") || type.equals("transaction"))) {
            return new Verdict.Deny(400, "invalid", "invalid_bundle", "POST to the base takes a batch or transaction Bundle.");
        }
        int index = 0;
        for (JsonNode entry : bundle.path("entry")) {
            JsonNode request = entry.path("request");
            String ifNoneExist = request.path("ifNoneExist").isTextual() ? request.path("ifNoneExist").asText() : null;
            Classification classification = FhirRequestClassifier.classifyBundleEntry(request.path("method").asText(),
                    request.path("url").asText(), ifNoneExist);
            Verdict verdict;
            if (classification instanceof Classification.Access access) {
                verdict = decide(access, granted, session);
            } else if (classification instanceof Classification.Refused refused) {
                verdict = new Verdict.Deny(400, "not-supported", "unsupported_request", refused.reason());
            } else if (classification instanceof Classification.NeedsBody) {
                verdict = new Verdict.Deny(400, "not-supported", "unsupported_request",
                        "a batch inside a batch is not forwarded.");
            } else {
                verdict = ALLOW;
            }
            if (verdict instanceof Verdict.Deny deny) {
                return new Verdict.Deny(deny.status(), deny.issueType(), deny.code(),
                        deny.text().startsWith("Bundle entry") ? deny.text() : "Bundle entry " + index + ": " + deny.text());
            }
            index++;
        }
        return ALLOW;
    }

    private static boolean isPageOfEarlierSearch(String method, String path, Map<String, List<String>> query) {
        return (method.equals("GET") || method.equals("HEAD")) && path.isEmpty() && query.containsKey("_getpages");
    }

    private static boolean isForm(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private static Map<String, List<String>> merge(Map<String, List<String>> a, Map<String, List<String>> b) {
        Map<String, List<String>> merged = new LinkedHashMap<>();
        a.forEach((name, values) -> merged.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        b.forEach((name, values) -> merged.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        return merged;
    }

    private static String describe(List<RequiredPermission> missing) {
        List<String> parts = new ArrayList<>();
        for (RequiredPermission permission : missing) {
            parts.add(permission.interaction().name().toLowerCase(Locale.ROOT) + " on " + permission.resourceType());
        }
        return String.join(", ", parts);
    }
}
