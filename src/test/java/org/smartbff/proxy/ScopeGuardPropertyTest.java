package org.smartbff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.session.SessionRecord;
import org.smartbff.smart.IdTokenClaims;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.buffer.Buffer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the scope guard over generated requests, for the session most apps have: read-only patient scopes
 * ({@code patient/*.rs}) for one patient in context. Nothing that writes is ever let through, no other patient is
 * addressed, and no search that is let through asks for another patient's data.
 */
class ScopeGuardPropertyTest {

    private static final String PATIENT = "p-1";
    private static final ScopeGuard GUARD = new ScopeGuard(config());
    private static final SessionRecord SESSION = new SessionRecord("ehr", "access", Long.MAX_VALUE, "refresh",
            "openid fhirUser launch/patient patient/*.rs", new IdTokenClaims("iss", "sub", "Practitioner/1", "Dr"),
            JsonNodeFactory.instance.objectNode().put("patient", PATIENT), 0, Long.MAX_VALUE, Long.MAX_VALUE);

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("Patient", "Observation", "Encounter", PATIENT, "other", "_history", "_search",
                "$everything", "$export", "$meta-add", "metadata", "..", "")
                .list().ofMaxSize(5).map(segments -> String.join("/", segments));
    }

    @Provide
    Arbitrary<String> queries() {
        return Arbitraries.of("patient=" + PATIENT, "patient=other", "subject=Patient/" + PATIENT, "subject=Patient/other",
                "patient=" + PATIENT + ",other", "_type=Observation", "_include=Observation:subject:Patient",
                "_revinclude=Observation:subject", "code=x", "_id=other", "patient:missing=true", "patient=%zz")
                .list().ofMaxSize(3).map(pairs -> String.join("&", pairs));
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.of("", "patient=other", "patient=" + PATIENT, "{\"resourceType\":\"Bundle\",\"type\":"
                + "\"transaction\",\"entry\":[{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/" + PATIENT + "\"}}]}",
                "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\","
                        + "\"url\":\"Observation?patient=other\"}}]}");
    }

    @Property(tries = 600, seed = "20261205")
    void readOnlyPatientScopesNeverWriteAndNeverReachAnotherPatient(@ForAll("methods") String method,
            @ForAll("paths") String path, @ForAll("queries") String query, @ForAll("bodies") String body) {
        String contentType = body.startsWith("{") ? "application/fhir+json" : "application/x-www-form-urlencoded";
        ScopeGuard.Verdict verdict = GUARD.check(SESSION, method, path, query, contentType, null, null);
        if (verdict instanceof ScopeGuard.Verdict.NeedsBody) {
            verdict = GUARD.check(SESSION, method, path, query, contentType, null, Buffer.buffer(body));
        }
        if (!(verdict instanceof ScopeGuard.Verdict.Allow)) {
            return;
        }
        assertTrue(List.of("GET", "HEAD", "POST").contains(method), "a write was allowed: " + method + " " + path);
        if (method.equals("POST")) {
            assertTrue(path.endsWith("_search") || path.contains("$"), "POST only searches or runs an operation: " + path);
            assertFalse(body.contains("DELETE"), "a transaction that deletes was allowed");
        }
        assertFalse(path.equals("Patient/other") || path.startsWith("Patient/other/"), "another patient: " + path);
        boolean search = (!path.contains("/") && !path.equals("metadata") && !path.startsWith("$"))
                || path.endsWith("_search");
        if (search) {
            String criteria = query + "&" + (method.equals("POST") ? body : "");
            assertFalse(criteria.contains("patient=other") || criteria.contains("Patient/other")
                    || criteria.contains(",other"),
                    "a search reached another patient: " + method + " " + path + "?"
                            + criteria);
        }
    }

    @Property(tries = 200, seed = "20261205")
    void theVerdictDoesNotDependOnWhetherTheMethodIsHeadOrGet(@ForAll("paths") String path,
            @ForAll("queries") String query) {
        assertEquals(GUARD.check(SESSION, "GET", path, query, null, null, null).getClass(),
                GUARD.check(SESSION, "HEAD", path, query, null, null, null).getClass());
    }

    private static SmartBffConfig config() {
        Map<String, String> env = Map.of("SMART_BFF_PUBLIC_URL", "https://bff.example", "SMART_BFF_DEFAULT_SERVER", "ehr",
                "SMART_BFF_SERVERS_EHR_FHIR_BASE_URL", "https://ehr.example/fhir", "SMART_BFF_SERVERS_EHR_CLIENT_ID", "bff");
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new EnvConfigSource(env, 300))
                .withMapping(SmartBffConfig.class)
                .build().getConfigMapping(SmartBffConfig.class);
    }
}
