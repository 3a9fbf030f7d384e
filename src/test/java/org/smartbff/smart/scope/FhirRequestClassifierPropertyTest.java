package org.smartbff.smart.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the scope guard's request classification over generated requests: it never fails, refuses what it
 * does not recognise, names only well-formed types and ids, reads {@code HEAD} as {@code GET}, never lets a request
 * that writes pass as a read, and confines {@code Patient/[id]/...} to that patient's compartment.
 */
class FhirRequestClassifierPropertyTest {

    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z]+");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "get",
                "PROPFIND");
    }

    /** Paths of FHIR-shaped and hostile segments. */
    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("Patient", "Observation", "Encounter", "patient", "123", "p-1.a", "_history", "_search",
                "$everything", "$export", "$meta-add", "$x", "metadata", "*", "..", ".", "", "%2F", "Patient%2F1",
                "a".repeat(65), "Observation?x", "_type", "Device")
                .list().ofMaxSize(6).map(segments -> String.join("/", segments));
    }

    @Provide
    Arbitrary<Map<String, List<String>>> queries() {
        return Arbitraries.of("patient=123", "subject=Patient/123", "patient=other", "patient=123,other", "_type=*",
                "_type=Patient,Observation", "_include=Observation:subject", "_include=Observation:subject:Patient",
                "_include=*", "_revinclude=Observation:subject", "code=x", "_id=123", "patient:missing=true",
                "_has:Observation:patient:code=x", "patient=", "subject=")
                .list().ofMaxSize(3).map(pairs -> {
                    Map<String, List<String>> query = new LinkedHashMap<>();
                    for (String pair : pairs) {
                        int eq = pair.indexOf('=');
                        query.computeIfAbsent(pair.substring(0, eq), k -> new ArrayList<>())
                                .add(pair.substring(eq + 1));
                    }
                    return query;
                });
    }

    @Property(tries = 600, seed = "20261205")
    void everyRequestGetsAWellFormedAnswer(@ForAll("methods") String method, @ForAll("paths") String path,
            @ForAll("queries") Map<String, List<String>> query) {
        Classification classification = FhirRequestClassifier.classify(method, path, query);
        assertNotNull(classification);
        if (!List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE").contains(method)) {
            assertInstanceOf(Classification.Refused.class, classification, method + " " + path);
        }
        if (classification instanceof Classification.Access access) {
            assertFalse(access.required().isEmpty());
            assertTrue(access.resourceType().equals("*") || TYPE.matcher(access.resourceType()).matches(),
                    access.resourceType());
            assertTrue(access.resourceId() == null || ID.matcher(access.resourceId()).matches(), access.resourceId());
            assertTrue(access.compartmentPatientId() == null || ID.matcher(access.compartmentPatientId()).matches());
            for (String segment : path.split("/", -1)) {
                assertFalse(segment.equals("..") || segment.equals(".") || segment.contains("%"), path);
            }
            if (path.startsWith("Patient/") && path.split("/").length >= 2) {
                assertEquals(path.split("/")[1], access.compartmentPatientId(), "confined to the addressed patient");
            }
        }
        if (method.equals("GET") || method.equals("HEAD")) {
            if (classification instanceof Classification.Access access) {
                assertTrue(access.required().stream().noneMatch(p -> p.interaction() == Interaction.CREATE
                        || p.interaction() == Interaction.UPDATE || p.interaction() == Interaction.DELETE),
                        "a read needs no write permission: " + access);
            }
        }
        if (method.equals("PUT") || method.equals("PATCH") || method.equals("DELETE")) {
            if (classification instanceof Classification.Access access) {
                assertTrue(access.required().stream().anyMatch(p -> p.interaction() == Interaction.UPDATE
                        || p.interaction() == Interaction.DELETE), "a write needs a write permission: " + access);
            }
        }
    }

    @Property(tries = 300, seed = "20261205")
    void headIsClassifiedAsGet(@ForAll("paths") String path, @ForAll("queries") Map<String, List<String>> query) {
        assertEquals(FhirRequestClassifier.classify("GET", path, query),
                FhirRequestClassifier.classify("HEAD", path, query));
    }
}
