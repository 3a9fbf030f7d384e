package org.smartbff.smart.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SmartScopeTest {

    /**
     * Every resource scope that appears as an example on the SMART App Launch 2.2 pages "Scopes and Launch Context"
     * (and the capability examples of "Conformance"), with the meaning the spec gives it. Columns: scope; context;
     * type; interactions as v2 letters; version.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            # Quick start
            patient/*.rs;                   PATIENT; *;                  rs;    V2
            user/*.cruds;                   USER;    *;                  cruds; V2
            # "SMART's scopes are used to delegate access"
            system/*.cruds;                 SYSTEM;  *;                  cruds; V2
            # Valid suffixes are a subset of the in-order string .cruds
            patient/Observation.cu;         PATIENT; Observation;        cu;    V2
            patient/Observation.rs;         PATIENT; Observation;        rs;    V2
            # Scope equivalence ("patient/Condition.rs patient/AllergyIntolerance.rs")
            patient/Condition.rs;           PATIENT; Condition;          rs;    V2
            patient/AllergyIntolerance.rs;  PATIENT; AllergyIntolerance; rs;    V2
            # v1 scopes: .read => .rs, .write => .cud, .* => .cruds
            patient/Observation.read;       PATIENT; Observation;        rs;    V1
            patient/Immunization.read;      PATIENT; Immunization;       rs;    V1
            patient/Observation.write;      PATIENT; Observation;        cud;   V1
            user/*.*;                       USER;    *;                  cruds; V1
            patient/*.read;                 PATIENT; *;                  rs;    V1
            # Patient-specific scopes
            patient/Patient.r;              PATIENT; Patient;            r;     V2
            patient/Observation.c;          PATIENT; Observation;        c;     V2
            patient/*.cruds;                PATIENT; *;                  cruds; V2
            # User-level scopes
            user/Observation.rs;            USER;    Observation;        rs;    V2
            user/Appointment.cruds;         USER;    Appointment;        cruds; V2
            user/Patient.rs;                USER;    Patient;            rs;    V2
            # System-level scopes
            system/Observation.rs;          SYSTEM;  Observation;        rs;    V2
            system/*.rs;                    SYSTEM;  *;                  rs;    V2
            system/Encounter.cud;           SYSTEM;  Encounter;          cud;   V2
            # Wildcard scopes: what a server may grant for patient/AllergyIntolerance.cruds
            patient/AllergyIntolerance.cruds; PATIENT; AllergyIntolerance; cruds; V2
            patient/AllergyIntolerance.cud; PATIENT; AllergyIntolerance; cud;   V2
            # Appendix: URI representation (the scope part)
            patient/*.r;                    PATIENT; *;                  r;     V2
            # Conformance: permission-user
            user/Appointment.rs;            USER;    Appointment;        rs;    V2
            # Further single-letter and mixed examples
            user/Encounter.cu;              USER;    Encounter;          cu;    V2
            patient/Medication.r;           PATIENT; Medication;         r;     V2
            patient/Observation.s;          PATIENT; Observation;        s;     V2
            user/Observation.d;             USER;    Observation;        d;     V2
            user/Observation.u;             USER;    Observation;        u;     V2
            system/Observation.crs;         SYSTEM;  Observation;        crs;   V2
            user/Observation.rud;           USER;    Observation;        rud;   V2
            """)
    void parsesSpecExamples(String scope, ScopeContext context, String type, String letters, ScopeVersion version) {
        SmartScope parsed = SmartScope.parse(scope).orElseThrow();

        assertEquals(context, parsed.context());
        assertEquals(type, parsed.resourceType());
        assertEquals(interactions(letters), parsed.interactions());
        assertEquals(version, parsed.version());
        assertEquals(Map.of(), parsed.parameters());
        assertFalse(parsed.granular());
        assertEquals(scope, parsed.raw());
    }

    /** Granular examples from the spec: the type, the interactions and the decoded constraints. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            # "Finer-grained resource constraints using search parameters"
            patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory; rs; category; http://terminology.hl7.org/CodeSystem/observation-category|laboratory
            # Conformance: permission-v2
            patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs; rs; category; http://terminology.hl7.org/CodeSystem/observation-category|vital-signs
            # Experimental features, with a context added (the spec shows them without one)
            patient/Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes; rs; code:in; http://valueset.example.org/ValueSet/diabetes-codes
            patient/Observation.rs?patient.birthdate=1990; rs; patient.birthdate; 1990
            # Percent-escapes are decoded; '+' is not a space in a scope
            user/Observation.s?code=http%3A%2F%2Floinc.org%7C1234-5; s; code; http://loinc.org|1234-5
            user/Observation.s?date=ge2020-01-01T00:00:00+01:00; s; date; ge2020-01-01T00:00:00+01:00
            patient/Condition.rs?category=a%20b; rs; category; a b
            """)
    void parsesGranularExamples(String scope, String letters, String name, String value) {
        SmartScope parsed = SmartScope.parse(scope).orElseThrow();

        assertEquals(ScopeVersion.V2, parsed.version());
        assertEquals(interactions(letters), parsed.interactions());
        assertEquals(Map.of(name, List.of(value)), parsed.parameters());
        assertTrue(parsed.granular());
        assertEquals(scope, parsed.raw());
    }

    @Test
    void keepsRepeatedAndSeveralConstraintsInOrder() {
        SmartScope parsed = SmartScope
                .parse("patient/Observation.rs?category=laboratory&status=final&category=vital-signs")
                .orElseThrow();

        assertEquals(Map.of("category", List.of("laboratory", "vital-signs"), "status", List.of("final")),
                parsed.parameters());
        assertEquals(List.of("category", "status"), List.copyOf(parsed.parameters().keySet()));
    }

    @Test
    void constraintValueMayContainEqualsSign() {
        SmartScope parsed = SmartScope.parse("user/Observation.rs?_filter=code%20eq%20x=y").orElseThrow();

        assertEquals(Map.of("_filter", List.of("code eq x=y")), parsed.parameters());
    }

    /**
     * Strings that are not resource scopes: the non-resource scopes of the spec, its malformed examples, and strings
     * that break the grammar (case, order, letters, type name, query syntax).
     */
    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            // Identity, launch context and refresh scopes from the spec
            "openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter",
            "launch/diagnosticreport", "launch/imagingstudy", "launch/relatedperson?role=friend",
            "launch/relatedperson?role=neighbor", "launch/list?role=https://example.org/med-list-at-home",
            "launch/list?role=https://example.org/med-list-at-hospital", "offline_access", "online_access",
            // Extension scopes from the spec
            "https://ehr.example.org/scopes/profilePhoto.manage", "__profilePhoto.manage",
            "http://example.com/scope-name",
            // URI representation of a scope (appendix): not how a scope appears in a scope parameter
            "http://smarthealthit.org/fhir/scopes/patient/*.r",
            // Scopes the spec shows without a context
            "Observation.rs", "Observation.r", "Observation.s",
            "Observation.rs?code:in=http://valueset.example.org/ValueSet/diabetes-codes",
            // A misprint in earlier drafts of the spec ("patient.Immunization.read")
            "patient.Immunization.read",
            // Undefined or out-of-order interactions ("a request of .dus is not a defined scope request")
            "patient/Observation.dus", "patient/Observation.sr", "patient/Observation.rr", "patient/Observation.x",
            "patient/Observation.rsx", "patient/Observation.rd s", "patient/Observation.", "patient/Observation.scrud",
            "patient/Observation.cc", "patient/Observation.rw", "patient/Observation.READ",
            "patient/Observation.RS", "patient/Observation.Read", "patient/Observation.**", "patient/Observation.read*",
            "patient/Observation.writes", "patient/Observation.all",
            // Context is case-sensitive and one of three
            "Patient/Observation.rs", "PATIENT/Observation.rs", "practitioner/Observation.rs", "/Observation.rs",
            "patient//Observation.rs", "patient/Observation/rs",
            // Resource type: [A-Z][A-Za-z]+ or *
            "patient/observation.rs", "patient/O.rs", "patient/Observation2.rs", "patient/Obs-ervation.rs",
            "patient/**.rs", "patient/.rs", "patient/*Observation.rs", "patient/Observation",
            // Query syntax of granular scopes
            "patient/Observation.rs?", "patient/Observation.rs?category", "patient/Observation.rs?category=",
            "patient/Observation.rs?=laboratory", "patient/Observation.rs?category=a&", "patient/Observation.rs?&category=a",
            "patient/Observation.rs?category=a&&status=final", "patient/Observation.rs?cat egory=a",
            "patient/Observation.rs?category=%zz", "patient/Observation.rs?category=%4",
            "patient/Observation.rs?category=%C3%28",
            "patient/Observation.rs?categ%6Fry=a",
            // The constraint syntax is v2 only
            "patient/Observation.read?category=laboratory", "user/*.*?category=laboratory",
            // Whitespace, empty
            "", " ", " patient/Observation.rs", "patient/Observation.rs ", "patient/Observation.rs?category=a b",
            "patient/Observation.rs\tuser/Observation.rs"
    })
    void rejectsWhatIsNotAResourceScope(String scope) {
        assertEquals(Optional.empty(), SmartScope.parse(scope));
    }

    @Test
    void nullIsNotAScope() {
        assertEquals(Optional.empty(), SmartScope.parse(null));
    }

    @Test
    void interactionsCannotBeChangedFromOutside() {
        SmartScope scope = SmartScope.parse("patient/Observation.rs").orElseThrow();

        scope.interactions().add(Interaction.DELETE);

        assertFalse(scope.allows(Interaction.DELETE));
        assertThrows(UnsupportedOperationException.class, () -> scope.parameters().put("x", List.of("y")));
    }

    @Test
    void constructorRefusesWhatParseWouldNeverProduce() {
        EnumSet<Interaction> none = EnumSet.noneOf(Interaction.class);
        EnumSet<Interaction> read = EnumSet.of(Interaction.READ);
        assertThrows(IllegalArgumentException.class,
                () -> new SmartScope(ScopeContext.USER, "Observation", none, Map.of(), ScopeVersion.V2, "x"));
        assertThrows(IllegalArgumentException.class,
                () -> new SmartScope(ScopeContext.USER, "observation", read, Map.of(), ScopeVersion.V2, "x"));
    }

    @Test
    void wildcardAppliesToEveryTypeButANamedTypeOnlyToItself() {
        SmartScope wildcard = SmartScope.parse("patient/*.rs").orElseThrow();
        SmartScope observation = SmartScope.parse("patient/Observation.rs").orElseThrow();

        assertTrue(wildcard.appliesTo("Observation"));
        assertTrue(wildcard.appliesTo("*"));
        assertTrue(observation.appliesTo("Observation"));
        assertFalse(observation.appliesTo("Condition"));
        assertFalse(observation.appliesTo("*"));
    }

    @Test
    void interactionLettersRoundTrip() {
        for (Interaction interaction : Interaction.values()) {
            assertEquals(Optional.of(interaction), Interaction.ofLetter(interaction.letter()));
        }
        assertEquals(Optional.empty(), Interaction.ofLetter('R'));
        assertEquals("cruds", letters(EnumSet.allOf(Interaction.class)));
    }

    static EnumSet<Interaction> interactions(String letters) {
        EnumSet<Interaction> result = EnumSet.noneOf(Interaction.class);
        for (char letter : letters.toCharArray()) {
            result.add(Interaction.ofLetter(letter).orElseThrow());
        }
        return result;
    }

    private static String letters(EnumSet<Interaction> interactions) {
        StringBuilder result = new StringBuilder();
        interactions.forEach(interaction -> result.append(interaction.letter()));
        return result.toString();
    }
}
