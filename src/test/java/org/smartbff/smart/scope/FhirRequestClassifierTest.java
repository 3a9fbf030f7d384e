package org.smartbff.smart.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smartbff.smart.scope.Classification.Access;
import org.smartbff.smart.scope.Classification.NeedsBody;
import org.smartbff.smart.scope.Classification.Refused;
import org.smartbff.smart.scope.Classification.Unrestricted;

class FhirRequestClassifierTest {

    /**
     * The mapping table. Columns: method; path below the base ({@code ''} is the base); query as {@code a=1&b=2}
     * ({@code -} for none); If-None-Exist ({@code -} for none); required permissions as {@code Type.letter} separated
     * by spaces, in order; interaction; compartment patient id ({@code -} for none).
     */
    @ParameterizedTest(name = "[{index}] {0} {1}?{2} -> {4}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            # read, vread, instance history
            GET;    Patient/123;                    -;                  -; Patient.r;                   READ;               123
            HEAD;   Patient/123;                    -;                  -; Patient.r;                   READ;               123
            GET;    Observation/abc-1.2;            _format=json;       -; Observation.r;               READ;               -
            GET;    Observation/1/_history/2;       -;                  -; Observation.r;               VREAD;              -
            GET;    Patient/9/_history/2;           -;                  -; Patient.r;                   VREAD;              9
            GET;    Observation/1/_history;         -;                  -; Observation.r;               HISTORY_INSTANCE;   -
            GET;    Patient/9/_history;             _count=5;           -; Patient.r;                   HISTORY_INSTANCE;   9
            # type and system history
            GET;    Observation/_history;           -;                  -; Observation.s;               HISTORY_TYPE;       -
            HEAD;   _history;                       -;                  -; *.s;                         HISTORY_SYSTEM;     -
            # searches
            GET;    Observation;                    patient=1;          -; Observation.s;               SEARCH_TYPE;        -
            GET;    Observation;                    -;                  -; Observation.s;               SEARCH_TYPE;        -
            POST;   Observation/_search;            -;                  -; Observation.s;               SEARCH_TYPE;        -
            GET;    '';                             -;                  -; *.s;                         SEARCH_SYSTEM;      -
            GET;    '';                             _type=Observation,Condition; -; Observation.s Condition.s; SEARCH_SYSTEM; -
            POST;   _search;                        -;                  -; *.s;                         SEARCH_SYSTEM;      -
            POST;   _search;                        _type=Observation;  -; Observation.s;               SEARCH_SYSTEM;      -
            GET;    '';                             _type=Observation&_type=Condition; -; Observation.s Condition.s; SEARCH_SYSTEM; -
            # compartment searches
            GET;    Patient/123/Observation;        -;                  -; Observation.s;               SEARCH_COMPARTMENT; 123
            GET;    Patient/123/*;                  -;                  -; *.s;                         SEARCH_COMPARTMENT; 123
            GET;    Patient/123/*;                  _type=Observation;  -; Observation.s;               SEARCH_COMPARTMENT; 123
            GET;    Encounter/5/Observation;        -;                  -; Observation.s;               SEARCH_COMPARTMENT; -
            GET;    Practitioner/5/Encounter;       -;                  -; Encounter.s;                 SEARCH_COMPARTMENT; -
            POST;   Patient/123/Observation/_search; -;                 -; Observation.s;               SEARCH_COMPARTMENT; 123
            POST;   Patient/123/_search;            -;                  -; *.s;                         SEARCH_COMPARTMENT; 123
            # create, update, patch, delete and their conditional forms
            POST;   Observation;                    -;                  -; Observation.c;               CREATE;             -
            POST;   Observation;                    -;       identifier=x; Observation.c Observation.s; CONDITIONAL_CREATE; -
            POST;   Observation;                    -;      ?identifier=x; Observation.c Observation.s; CONDITIONAL_CREATE; -
            PUT;    Observation/1;                  -;                  -; Observation.u;               UPDATE;             -
            PUT;    Patient/123;                    -;                  -; Patient.u;                   UPDATE;             123
            PUT;    Observation;                    identifier=x;       -; Observation.u Observation.s; CONDITIONAL_UPDATE; -
            PATCH;  Observation/1;                  -;                  -; Observation.u;               PATCH;              -
            PATCH;  Observation;                    identifier=x;       -; Observation.u Observation.s; CONDITIONAL_PATCH;  -
            DELETE; Observation/1;                  -;                  -; Observation.d;               DELETE;             -
            DELETE; Observation;                    code=x;             -; Observation.d Observation.s; CONDITIONAL_DELETE; -
            # operations
            GET;    $export;                        -;                  -; *.s;                         OPERATION_SYSTEM;   -
            POST;   $process-message;               -;                  -; *.s;                         OPERATION_SYSTEM;   -
            GET;    Observation/$lastn;             patient=1;          -; Observation.s;               OPERATION_TYPE;     -
            POST;   ValueSet/$expand;               -;                  -; ValueSet.s;                  OPERATION_TYPE;     -
            POST;   Observation/$validate;          -;                  -; Observation.s;               OPERATION_TYPE;     -
            GET;    Patient/$export;                -;                  -; Patient.s *.s;               OPERATION_TYPE;     -
            GET;    Patient/123/$everything;        -;                  -; Patient.r *.s;               OPERATION_INSTANCE; 123
            POST;   Patient/123/$everything;        -;                  -; Patient.r *.s;               OPERATION_INSTANCE; 123
            GET;    Group/7/$export;                -;                  -; Group.r *.s;                 OPERATION_INSTANCE; -
            POST;   Observation/1/$validate;        -;                  -; Observation.r;               OPERATION_INSTANCE; -
            GET;    Patient/123/$summary;           -;                  -; Patient.r;                   OPERATION_INSTANCE; 123
            POST;   Observation/1/$meta-add;        -;                  -; Observation.r Observation.u; OPERATION_INSTANCE; -
            GET;    Observation/1/_history/2/$meta; -;                  -; Observation.r;               OPERATION_INSTANCE; -
            # what searches include
            GET;    Observation;                    _include=Observation:performer:Practitioner; -; Observation.s Practitioner.r; SEARCH_TYPE; -
            GET;    Observation;                    _include:iterate=Observation:subject:Patient; -; Observation.s Patient.r; SEARCH_TYPE; -
            GET;    Observation;                    _revinclude=Provenance:target; -; Observation.s Provenance.r; SEARCH_TYPE; -
            GET;    Observation;                    _revinclude=Observation:has-member; -; Observation.s Observation.r; SEARCH_TYPE; -
            GET;    MedicationRequest;              _include=MedicationRequest:medication; -; MedicationRequest.s; SEARCH_TYPE; -
            GET;    Observation;                    _include=*;         -; Observation.s *.r;           SEARCH_TYPE;        -
            GET;    Observation;                    _include=Observation:performer:Practitioner,Observation:subject:Patient; -; Observation.s Practitioner.r Patient.r; SEARCH_TYPE; -
            GET;    Observation;                    _include=Observation:performer:Practitioner&_include:iterate=Observation:performer:Practitioner; -; Observation.s Practitioner.r; SEARCH_TYPE; -
            GET;    Patient/123/Observation;        _revinclude=Provenance:target; -; Observation.s Provenance.r; SEARCH_COMPARTMENT; 123
            """)
    void mapsRequestsToPermissions(String method, String path, String query, String ifNoneExist, String required,
            FhirInteraction interaction, String compartmentPatientId) {
        Classification result = FhirRequestClassifier.classify(method, path, query(query), ifNoneExist);

        Access access = assertInstanceOf(Access.class, result);
        assertEquals(required, describe(access.required()));
        assertEquals(interaction, access.interaction());
        assertEquals(compartmentPatientId, access.compartmentPatientId());
    }

    /** Columns: method; path; query ({@code -} for none); If-None-Exist ({@code -} for none). */
    @ParameterizedTest(name = "[{index}] {0} {1}?{2}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            # methods
            OPTIONS; Patient;                         -;              -
            TRACE;   Patient/1;                       -;              -
            get;     Patient/1;                       -;              -
            Get;     metadata;                        -;              -
            # the base and the system-level names
            PUT;     '';                              -;              -
            DELETE;  '';                              x=1;            -
            POST;    metadata;                        -;              -
            GET;     metadata/x;                      -;              -
            GET;     .well-known/smart-configuration; -;              -
            GET;     _search;                         -;              -
            POST;    _history;                        -;              -
            DELETE;  $export;                         -;              -
            GET;     $;                               -;              -
            GET;     $1op;                            -;              -
            # type names
            GET;     patient/123;                     -;              -
            GET;     P/123;                           -;              -
            GET;     Patient1/123;                    -;              -
            # ids
            GET;     Patient/%31;                     -;              -
            GET;     Patient/1%2F2;                   -;              -
            GET;     Patient/a_b;                     -;              -
            GET;     'Patient/1;x=2';                 -;              -
            GET;     Patient/12345678901234567890123456789012345678901234567890123456789012345; -; -
            GET;     Patient/123/%24everything;       -;              -
            GET;     Observation/1/_history/v%31;     -;              -
            # path shapes
            GET;     /Patient/1;                      -;              -
            GET;     Patient/;                        -;              -
            GET;     Patient//1;                      -;              -
            GET;     Patient/..;                      -;              -
            GET;     Patient/./1;                     -;              -
            GET;     Patient/123/_history/2/extra;    -;              -
            GET;     Patient/1/_history/2/$meta/x;    -;              -
            GET;     Observation/1/_history/2/$meta/x/y; -;           -
            GET;     Observation/1/Patient;           -;              -
            GET;     Patient/1/observation;           -;              -
            GET;     Patient/1/Observation/2;         -;              -
            POST;    Patient/1/Observation;           -;              -
            GET;     Patient/1/Observation/_search;   -;              -
            GET;     Patient/1/_search;               -;              -
            # interactions that do not exist
            POST;    Observation/1;                   -;              -
            PUT;     Observation;                     -;              -
            PATCH;   Observation;                     -;              -
            DELETE;  Observation;                     -;              -
            GET;     Observation/_search;             -;              -
            POST;    Observation/_history;            -;              -
            PUT;     Observation/1/_history;          -;              -
            DELETE;  Observation/1/_history/2;        -;              -
            PUT;     Observation/1/$validate;         -;              -
            DELETE;  Observation/$lastn;              -;              -
            # malformed parameters that decide the permissions
            GET;     '';                              _type=observation; -
            GET;     '';                              _type=Observation,; -
            GET;     Patient/1/*;                     _type=*;        -
            GET;     Observation;                     _include=bad;   -
            GET;     Observation;                     _include=Observation:subject:patient; -
            GET;     Observation;                     _revinclude=Provenance; -
            GET;     Observation;                     _include=Observation:subject:Patient:extra; -
            POST;    Observation;                     -;              ''
            POST;    Observation;                     -;              identifier=%zz
            """)
    void refusesEverythingElse(String method, String path, String query, String ifNoneExist) {
        Classification result = FhirRequestClassifier.classify(method, path, query(query), ifNoneExist);

        Refused refused = assertInstanceOf(Refused.class, result);
        assertTrue(!refused.reason().isBlank());
    }

    @Test
    void metadataIsUnrestrictedAndOnlyForReading() {
        assertInstanceOf(Unrestricted.class, FhirRequestClassifier.classify("GET", "metadata", Map.of()));
        assertInstanceOf(Unrestricted.class, FhirRequestClassifier.classify("HEAD", "metadata", null));
        assertInstanceOf(Refused.class, FhirRequestClassifier.classify("PUT", "metadata", null));
    }

    @Test
    void postToTheBaseIsABatchWhoseEntriesMustBeClassified() {
        assertInstanceOf(NeedsBody.class, FhirRequestClassifier.classify("POST", "", Map.of()));
    }

    @Test
    void nullMethodOrPathIsRefused() {
        assertInstanceOf(Refused.class, FhirRequestClassifier.classify(null, "Patient", null));
        assertInstanceOf(Refused.class, FhirRequestClassifier.classify("GET", null, null));
    }

    @Test
    void accessCarriesTypeIdAndCriteria() {
        Map<String, List<String>> query = query("patient=123&category=laboratory");
        Access search = (Access) FhirRequestClassifier.classify("GET", "Observation", query);
        Access read = (Access) FhirRequestClassifier.classify("GET", "Observation/9", null);
        Access compartment = (Access) FhirRequestClassifier.classify("GET", "Patient/5/Condition", null);

        assertEquals("Observation", search.resourceType());
        assertEquals(null, search.resourceId());
        assertEquals(query, search.criteria());
        assertEquals("Observation", read.resourceType());
        assertEquals("9", read.resourceId());
        assertEquals(Map.of(), read.criteria());
        assertEquals("Condition", compartment.resourceType());
        assertEquals("5", compartment.compartmentPatientId());
        assertThrows(UnsupportedOperationException.class, () -> search.criteria().put("x", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> search.required().clear());
    }

    @Test
    void conditionalCreateCriteriaComeFromIfNoneExist() {
        Access access = (Access) FhirRequestClassifier.classify("POST", "Observation", query("ignored=1"),
                "identifier=http%3A%2F%2Fx%7C1&subject=Patient/5");

        assertEquals(query("identifier=http://x|1&subject=Patient/5"), access.criteria());
    }

    @Test
    void queryIsCopied() {
        Map<String, List<String>> query = query("patient=1");
        Access access = (Access) FhirRequestClassifier.classify("GET", "Observation", query);

        query.put("patient", List.of("2"));

        assertEquals(List.of("1"), access.criteria().get("patient"));
    }

    /** Bundle entries: columns method; request.url; ifNoneExist; required (or REFUSED); interaction; criteria. */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            GET;    Patient/123;                             -;            Patient.r;                   READ;               -
            GET;    Observation?patient=123&category=laboratory; -;        Observation.s;               SEARCH_TYPE;        patient=123&category=laboratory
            GET;    Observation?code=http%3A%2F%2Floinc.org%7C1234-5; -;   Observation.s;               SEARCH_TYPE;        code=http://loinc.org|1234-5
            GET;    Observation?name=a+b;                    -;            Observation.s;               SEARCH_TYPE;        name=a b
            GET;    Observation?patient=1&&_count=2;         -;            Observation.s;               SEARCH_TYPE;        patient=1&_count=2
            GET;    Patient/123/$everything;                 -;            Patient.r *.s;               OPERATION_INSTANCE; -
            GET;    '';                                      -;            *.s;                         SEARCH_SYSTEM;      -
            POST;   Observation;                             -;            Observation.c;               CREATE;             -
            POST;   Observation;                             identifier=x; Observation.c Observation.s; CONDITIONAL_CREATE; identifier=x
            PUT;    Observation?identifier=x;                -;            Observation.u Observation.s; CONDITIONAL_UPDATE; identifier=x
            DELETE; Observation/1;                           -;            Observation.d;               DELETE;             -
            DELETE; Observation?identifier=http://x|1;       -;            Observation.d Observation.s; CONDITIONAL_DELETE; identifier=http://x|1
            POST;   '';                                      -;            REFUSED;                     -;                  -
            POST;   ?_format=json;                           -;            REFUSED;                     -;                  -
            GET;    https://ehr.example.org/fhir/Patient/1;  -;            REFUSED;                     -;                  -
            GET;    urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a; -;      REFUSED;                     -;                  -
            GET;    /Patient/1;                              -;            REFUSED;                     -;                  -
            GET;    Patient/%31;                             -;            REFUSED;                     -;                  -
            GET;    Patient/1#x;                             -;            REFUSED;                     -;                  -
            GET;    Observation?code=%zz;                    -;            REFUSED;                     -;                  -
            GET;    Patient/../Observation;                  -;            REFUSED;                     -;                  -
            PATCH;  '';                                      -;            REFUSED;                     -;                  -
            COPY;   Patient/1;                               -;            REFUSED;                     -;                  -
            """)
    void classifiesBundleEntries(String method, String url, String ifNoneExist, String required,
            FhirInteraction interaction, String criteria) {
        Classification result = FhirRequestClassifier.classifyBundleEntry(method, url, ifNoneExist);

        if (required.equals("REFUSED")) {
            assertInstanceOf(Refused.class, result);
            return;
        }
        Access access = assertInstanceOf(Access.class, result);
        assertEquals(required, describe(access.required()));
        assertEquals(interaction, access.interaction());
        assertEquals(query(criteria), access.criteria());
    }

    @Test
    void bundleEntryWithoutIfNoneExistAndNullUrl() {
        assertInstanceOf(Access.class, FhirRequestClassifier.classifyBundleEntry("GET", "Patient/1"));
        assertInstanceOf(Refused.class, FhirRequestClassifier.classifyBundleEntry("GET", null));
    }

    @Test
    void requiredPermissionRefusesNonTypes() {
        assertThrows(IllegalArgumentException.class, () -> new RequiredPermission("patient", Interaction.READ));
        assertEquals("Observation.s", new RequiredPermission("Observation", Interaction.SEARCH).toString());
    }

    static String describe(List<RequiredPermission> required) {
        List<String> parts = new ArrayList<>();
        required.forEach(permission -> parts.add(permission.toString()));
        return String.join(" ", parts);
    }

    /** {@code a=1&b=2} to a map; values may contain {@code ,}; null for no query. */
    static Map<String, List<String>> query(String pairs) {
        Map<String, List<String>> result = new LinkedHashMap<>();
        if (pairs == null) {
            return result;
        }
        for (String pair : pairs.split("&")) {
            int eq = pair.indexOf('=');
            result.computeIfAbsent(pair.substring(0, eq), n -> new ArrayList<>()).add(pair.substring(eq + 1));
        }
        return result;
    }
}
