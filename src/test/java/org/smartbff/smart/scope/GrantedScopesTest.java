package org.smartbff.smart.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GrantedScopesTest {

    private static final String LAB = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    private static final String VITALS = "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs";

    @Test
    void splitsResourceScopesFromTheRest() {
        GrantedScopes granted = GrantedScopes
                .parse("launch/patient openid fhirUser patient/*.rs offline_access __profilePhoto.manage"
                        + " patient/Observation.sr user/Encounter.cu");

        assertEquals(List.of("patient/*.rs", "user/Encounter.cu"),
                granted.resourceScopes().stream().map(SmartScope::raw).toList());
        assertEquals(List.of("launch/patient", "openid", "fhirUser", "offline_access", "__profilePhoto.manage",
                "patient/Observation.sr"), List.copyOf(granted.otherScopes()));
    }

    @Test
    void toleratesExtraWhitespaceDuplicatesAndNothing() {
        GrantedScopes granted = GrantedScopes.parse("  patient/Patient.r \t patient/Patient.r\nopenid openid ");

        assertEquals(1, granted.resourceScopes().size());
        assertEquals(Set.of("openid"), granted.otherScopes());
        assertEquals("patient/Patient.r openid", granted.toString());
        assertTrue(GrantedScopes.parse(null).resourceScopes().isEmpty());
        assertTrue(GrantedScopes.parse("").otherScopes().isEmpty());
        assertFalse(GrantedScopes.parse("").permits("Patient", Interaction.READ));
    }

    /** Columns: granted scopes; resource type; interaction; permitted. */
    @ParameterizedTest(name = "[{index}] {0} -> {1} {2}: {3}")
    @CsvSource(delimiter = ';', textBlock = """
            patient/Observation.rs;                    Observation; READ;   true
            patient/Observation.rs;                    Observation; SEARCH; true
            patient/Observation.rs;                    Observation; CREATE; false
            patient/Observation.rs;                    Condition;   READ;   false
            patient/Observation.rs;                    *;           SEARCH; false
            patient/*.rs;                              Condition;   SEARCH; true
            patient/*.rs;                              *;           SEARCH; true
            patient/*.rs;                              Condition;   UPDATE; false
            patient/Observation.read;                  Observation; SEARCH; true
            patient/Observation.write;                 Observation; DELETE; true
            patient/Observation.write;                 Observation; READ;   false
            user/*.*;                                  Practitioner; DELETE; true
            system/Encounter.cud;                      Encounter;   UPDATE; true
            patient/Observation.c;                     Observation; READ;   false
            patient/Observation.r patient/Observation.s; Observation; SEARCH; true
            user/Encounter.cu openid;                  Encounter;   CREATE; true
            openid fhirUser launch;                    Patient;     READ;   false
            patient/Observation.rs?category=laboratory; Observation; READ;  true
            patient/Observation.sr;                    Observation; READ;   false
            """)
    void permitsByTypeAndInteraction(String scopes, String type, Interaction interaction, boolean permitted) {
        assertEquals(permitted, GrantedScopes.parse(scopes).permits(type, interaction));
    }

    @Test
    void listsThePermittingScopes() {
        GrantedScopes granted = GrantedScopes.parse("patient/*.r user/Observation.rs patient/Condition.rs");

        assertEquals(List.of("patient/*.r", "user/Observation.rs"),
                granted.permitting("Observation", Interaction.READ).stream().map(SmartScope::raw).toList());
        assertEquals(List.of("user/Observation.rs"),
                granted.permitting("Observation", Interaction.SEARCH).stream().map(SmartScope::raw).toList());
        assertEquals(List.of(), granted.permitting("Observation", Interaction.CREATE));
    }

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @CsvSource(delimiter = ';', textBlock = """
            patient/*.rs;                                   true
            patient/Observation.rs patient/Patient.r launch/patient openid; true
            patient/*.rs user/Practitioner.rs;              false
            system/*.rs;                                    false
            openid fhirUser launch/patient;                 false
            '';                                             false
            """)
    void patientScopesOnlyNeedsAtLeastOneAndOnlyPatientScopes(String scopes, boolean expected) {
        assertEquals(expected, GrantedScopes.parse(scopes).patientScopesOnly());
    }

    @Test
    void granularOnlyWhenEveryPermittingScopeIsConstrained() {
        GrantedScopes labsOnly = GrantedScopes.parse("patient/Observation.rs?category=" + LAB + " patient/Condition.rs");
        GrantedScopes labsAndAll = GrantedScopes.parse("patient/Observation.rs?category=" + LAB + " patient/*.r");

        assertTrue(labsOnly.hasGranularOnly("Observation", Interaction.SEARCH));
        assertTrue(labsOnly.hasGranularOnly("Observation", Interaction.READ));
        assertFalse(labsOnly.hasGranularOnly("Condition", Interaction.READ));
        assertFalse(labsOnly.hasGranularOnly("Patient", Interaction.READ), "nothing permits it at all");
        assertFalse(labsAndAll.hasGranularOnly("Observation", Interaction.READ));
        assertTrue(labsAndAll.hasGranularOnly("Observation", Interaction.SEARCH));
    }

    /**
     * {@code permitsSearch} against granular scopes. Columns: granted scopes; type; query as {@code name=value}
     * pairs joined by {@code &} (values are already decoded, written here with {@code ^} for the OR comma so the table
     * stays readable); allowed.
     */
    @ParameterizedTest(name = "[{index}] {0} | {1}?{2} -> {3}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            # The example of the brief: scope ?category=a|b
            patient/Observation.rs?category=a|b;                Observation; category=a|b;                   true
            patient/Observation.rs?category=a|b;                Observation; -;                              false
            patient/Observation.rs?category=a|b;                Observation; code=1234;                      false
            patient/Observation.rs?category=a|b;                Observation; category=x;                     false
            # Other parameters only narrow the result
            patient/Observation.rs?category=a|b;                Observation; category=a|b&code=1234&_count=5; true
            # OR lists must stay inside the scope's values
            patient/Observation.rs?category=a|b;                Observation; category=a|b^x;                 false
            patient/Observation.rs?category=a|b,c|d;            Observation; category=c|d;                   true
            patient/Observation.rs?category=a|b,c|d;            Observation; category=c|d^a|b;               true
            patient/Observation.rs?category=a|b,c|d;            Observation; category=c|d^e|f;               false
            # Repeated query parameters are AND: one inside the scope is enough
            patient/Observation.rs?category=a|b;                Observation; category=x&category=a|b;        true
            # Repeated scope parameters are AND: the query must satisfy each
            patient/Observation.rs?category=a&category=b;       Observation; category=a;                     false
            patient/Observation.rs?category=a&category=b;       Observation; category=a&category=b;          true
            # Several constraints: all of them
            patient/Observation.rs?category=a&status=final;     Observation; category=a&status=final;        true
            patient/Observation.rs?category=a&status=final;     Observation; category=a;                     false
            # Names compare exactly, modifiers included; values compare exactly, case included
            patient/Observation.rs?category=a|b;                Observation; category:not=a|b;               false
            patient/Observation.rs?category=a|b;                Observation; category=A|B;                   false
            patient/Observation.rs?category=a|b;                Observation; category=b;                     false
            patient/Observation.rs?code:in=http://x/vs;         Observation; code:in=http://x/vs;            true
            patient/Observation.rs?code:in=http://x/vs;         Observation; code=http://x/vs;               false
            # An unconstrained scope that permits the search wins
            patient/Observation.rs?category=a|b patient/*.rs;   Observation; -;                              true
            patient/Observation.rs?category=a|b patient/Observation.s; Observation; category=x;             true
            # Two granular scopes: either may admit the query
            patient/Observation.rs?category=a patient/Observation.rs?category=b; Observation; category=b;  true
            patient/Observation.rs?category=a patient/Observation.rs?category=b; Observation; category=a^b; false
            # Scopes that do not permit search do not count
            patient/Observation.r;                              Observation; -;                              false
            patient/Observation.r patient/Observation.s?category=a; Observation; category=b;                false
            patient/Condition.rs;                               Observation; -;                              false
            # Wildcard granular scopes constrain every type
            patient/*.rs?_security=N;                           Condition;   _security=N;                    true
            patient/*.rs?_security=N;                           Condition;   -;                              false
            # A plain type scope does not cover a search across all types
            patient/Observation.rs;                             *;           -;                              false
            patient/*.s;                                        *;           -;                              true
            """)
    void permitsSearchUnderGranularScopes(String scopes, String type, String query, boolean allowed) {
        assertEquals(allowed, GrantedScopes.parse(scopes).permitsSearch(type, query(query)));
    }

    @Test
    void escapedCommaIsPartOfAValue() {
        GrantedScopes granted = GrantedScopes.parse("patient/Observation.rs?code=a%5C,b");

        assertTrue(granted.permitsSearch("Observation", Map.of("code", List.of("a\\,b"))));
        assertFalse(granted.permitsSearch("Observation", Map.of("code", List.of("a"))));
        assertFalse(granted.permitsSearch("Observation", Map.of("code", List.of("a,b"))));
    }

    @Test
    void nullQueryIsAnEmptyQuery() {
        assertTrue(GrantedScopes.parse("patient/Observation.rs").permitsSearch("Observation", null));
        assertFalse(GrantedScopes.parse("patient/Observation.rs?category=a").permitsSearch("Observation", null));
    }

    /**
     * {@code allows} over a classified request: searches go through the granular check with the request's criteria,
     * everything else by type. Columns: granted scopes; method; path; query ({@code ^} for the OR comma); allowed.
     */
    @ParameterizedTest(name = "[{index}] {0} | {1} {2}?{3} -> {4}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            patient/Observation.rs?category=laboratory; GET;    Observation;             category=laboratory&patient=1; true
            patient/Observation.rs?category=laboratory; GET;    Observation;             patient=1;                     false
            patient/Observation.rs?category=laboratory; GET;    Observation/1;           -;                             true
            patient/Observation.rs?category=laboratory; GET;    Patient/1/Observation;   category=laboratory;           true
            patient/Observation.rs?category=laboratory; GET;    Patient/1/Observation;   -;                             false
            patient/Observation.rs;                     GET;    Observation;             _include=Observation:performer:Practitioner; false
            patient/Observation.rs patient/Practitioner.r; GET; Observation;             _include=Observation:performer:Practitioner; true
            patient/Observation.rs;                     PUT;    Observation/1;           -;                             false
            patient/Observation.cruds?category=vital-signs; PUT; Observation;            identifier=x;                  false
            patient/Observation.cruds?category=vital-signs; PUT; Observation;            identifier=x&category=vital-signs; true
            patient/Observation.rs;                     GET;    '';                      _type=Observation;             true
            patient/Observation.rs;                     GET;    '';                      _type=Observation^Condition;   false
            patient/*.rs;                               GET;    Patient/1/$everything;   -;                             true
            patient/Patient.rs patient/Observation.rs;  GET;    Patient/1/$everything;   -;                             false
            user/*.cruds;                               DELETE; Encounter/1;             -;                             true
            user/*.rs;                                  DELETE; Encounter/1;             -;                             false
            """)
    void allowsChecksEveryRequiredPermission(String scopes, String method, String path, String query,
            boolean allowed) {
        GrantedScopes granted = GrantedScopes.parse(scopes);
        Classification.Access access = (Classification.Access) FhirRequestClassifier.classify(method, path,
                query(query));

        assertEquals(allowed, granted.allows(access));
        assertEquals(allowed, granted.missing(access).isEmpty());
    }

    @Test
    void missingNamesWhatIsNotGranted() {
        GrantedScopes granted = GrantedScopes.parse("patient/Patient.rs patient/Observation.rs");
        Classification.Access access = (Classification.Access) FhirRequestClassifier.classify("GET",
                "Patient/1/$everything", Map.of());

        assertEquals(List.of(new RequiredPermission("*", Interaction.SEARCH)), granted.missing(access));
    }

    static Map<String, List<String>> query(String pairs) {
        Map<String, List<String>> result = new LinkedHashMap<>();
        if (pairs == null) {
            return result;
        }
        for (String pair : pairs.split("&")) {
            int eq = pair.indexOf('=');
            String value = pair.substring(eq + 1).replace('^', ',');
            result.computeIfAbsent(pair.substring(0, eq), n -> new ArrayList<>()).add(value);
        }
        return result;
    }
}
