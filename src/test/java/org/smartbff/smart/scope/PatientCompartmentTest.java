package org.smartbff.smart.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smartbff.smart.scope.Classification.Access;
import org.smartbff.smart.scope.PatientCompartment.Decision;

class PatientCompartmentTest {

    private static final String LAUNCH = "123";

    /**
     * The launch patient is {@code 123}. Columns: method; path; query ({@code a=1&b=2}, {@code -} for none);
     * If-None-Exist ({@code -} for none); expected decision.
     */
    @ParameterizedTest(name = "[{index}] {0} {1}?{2} -> {4}")
    @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
            # reads, versions and history of Patient/{id}
            GET;    Patient/123;                       -;                                       -;            ALLOW
            GET;    Patient/456;                       -;                                       -;            DENY
            GET;    Patient/1234;                      -;                                       -;            DENY
            GET;    Patient/12;                        -;                                       -;            DENY
            GET;    Patient/123/_history/2;            -;                                       -;            ALLOW
            GET;    Patient/456/_history/2;            -;                                       -;            DENY
            GET;    Patient/123/_history;              -;                                       -;            ALLOW
            GET;    Patient/456/_history;              -;                                       -;            DENY
            # searches on Patient: _id, exactly
            GET;    Patient;                           _id=123;                                 -;            ALLOW
            GET;    Patient;                           _id=123&name=smith;                      -;            ALLOW
            POST;   Patient/_search;                   _id=123;                                 -;            ALLOW
            GET;    Patient;                           -;                                       -;            DENY
            GET;    Patient;                           identifier=http://x|1;                   -;            DENY
            GET;    Patient;                           _id=123,456;                             -;            DENY
            GET;    Patient;                           _id=123&_id=456;                         -;            DENY
            GET;    Patient;                           _id=Patient/123;                         -;            DENY
            GET;    Patient;                           _id=123&_id:not=456;                     -;            DENY
            GET;    Patient;                           name=smith&_id=456;                      -;            DENY
            # compartment searches
            GET;    Patient/123/Observation;           -;                                       -;            ALLOW
            GET;    Patient/123/Observation;           category=laboratory;                     -;            ALLOW
            POST;   Patient/123/Condition/_search;     -;                                       -;            ALLOW
            GET;    Patient/456/Observation;           -;                                       -;            DENY
            GET;    Patient/456/Observation;           patient=123;                             -;            DENY
            GET;    Patient/123/*;                     -;                                       -;            ALLOW
            GET;    Patient/123/*;                     _type=Observation,Condition;             -;            ALLOW
            GET;    Patient/123/Patient;               -;                                       -;            DENY
            GET;    Patient/123/Patient;               _id=123;                                 -;            ALLOW
            GET;    Encounter/5/Observation;           -;                                       -;            DENY
            GET;    Encounter/5/Observation;           patient=123;                             -;            ALLOW
            GET;    Encounter/5/*;                     -;                                       -;            DENY
            # instance operations on Patient
            GET;    Patient/123/$everything;           -;                                       -;            ALLOW
            POST;   Patient/123/$everything;           _since=2020-01-01;                       -;            ALLOW
            GET;    Patient/456/$everything;           -;                                       -;            DENY
            # searches on patient data: one of the type's patient parameters, naming only the launch patient
            GET;    Observation;                       patient=123;                             -;            ALLOW
            GET;    Observation;                       patient=Patient/123;                     -;            ALLOW
            GET;    Observation;                       patient=https://ehr.example.org/fhir/Patient/123; -;   ALLOW
            GET;    Observation;                       subject=Patient/123;                     -;            ALLOW
            GET;    Observation;                       subject:Patient=123;                     -;            ALLOW
            GET;    Observation;                       patient:Patient=Patient/123;             -;            ALLOW
            GET;    Observation;                       patient=123&subject=Patient/123;         -;            ALLOW
            GET;    Observation;                       patient=123,Patient/123;                 -;            ALLOW
            GET;    Observation;                       patient=123&category=laboratory&_count=50; -;          ALLOW
            GET;    Observation;                       patient=123&_include=Observation:performer:Practitioner; -; ALLOW
            GET;    Observation;                       subject=123;                             -;            DENY
            GET;    Observation;                       subject:Group=123;                       -;            DENY
            GET;    Observation;                       patient:missing=false;                   -;            DENY
            GET;    Observation;                       patient=123&patient:missing=false;       -;            DENY
            GET;    Observation;                       patient:identifier=http://x|1;           -;            DENY
            GET;    Observation;                       patient=456;                             -;            DENY
            GET;    Observation;                       patient=123,456;                         -;            DENY
            GET;    Observation;                       patient=123&patient=456;                 -;            DENY
            GET;    Observation;                       patient=123&subject=Patient/456;         -;            DENY
            GET;    Observation;                       patient=Patient/1234;                    -;            DENY
            GET;    Observation;                       patient=Patient/123/_history/1;          -;            DENY
            GET;    Observation;                       patient=/Patient/123;                    -;            DENY
            GET;    Observation;                       patient=Group/123;                       -;            DENY
            GET;    Observation;                       patient=;                                -;            DENY
            GET;    Observation;                       patient=123,;                            -;            DENY
            GET;    Observation;                       -;                                       -;            DENY
            GET;    Observation;                       _id=5;                                   -;            DENY
            GET;    Observation;                       code=http://loinc.org|1234-5;            -;            DENY
            GET;    Observation;                       patient.identifier=http://x|1;           -;            DENY
            POST;   Observation/_search;               -;                                       -;            DENY
            GET;    AllergyIntolerance;                patient=123;                             -;            ALLOW
            GET;    AllergyIntolerance;                subject=Patient/123;                     -;            DENY
            GET;    Coverage;                          beneficiary=123;                         -;            ALLOW
            GET;    Appointment;                       actor=Patient/123;                       -;            ALLOW
            GET;    Appointment;                       actor=123;                               -;            DENY
            GET;    Appointment;                       date=2024-01-01;                         -;            DENY
            GET;    Group;                             member=Patient/123;                      -;            ALLOW
            GET;    Observation/$lastn;                patient=123;                             -;            ALLOW
            GET;    Observation/$lastn;                -;                                       -;            DENY
            GET;    '';                                _type=Observation,Condition&patient=123; -;            ALLOW
            GET;    '';                                _type=Observation,Practitioner&patient=123; -;         ALLOW
            GET;    '';                                _type=Observation;                       -;            DENY
            # types that are not patient data
            GET;    Practitioner;                      name=smith;                              -;            ALLOW
            GET;    Organization;                      -;                                       -;            ALLOW
            GET;    Location;                          -;                                       -;            ALLOW
            GET;    Medication;                        code=http://rxnorm|1;                    -;            ALLOW
            GET;    ValueSet/$expand;                  url=http://x;                            -;            ALLOW
            GET;    Practitioner/_history;             -;                                       -;            ALLOW
            # instance reads of other types: not decidable here
            GET;    Observation/999;                   -;                                       -;            ALLOW
            GET;    Condition/1/_history/2;            -;                                       -;            ALLOW
            POST;   Observation/1/$validate;           -;                                       -;            ALLOW
            # writes: left to the server, except on another Patient and their search part
            POST;   Observation;                       -;                                       -;            ALLOW
            PUT;    Observation/1;                     -;                                       -;            ALLOW
            PATCH;  Observation/1;                     -;                                       -;            ALLOW
            DELETE; Observation/1;                     -;                                       -;            ALLOW
            PUT;    Patient/123;                       -;                                       -;            ALLOW
            PUT;    Patient/456;                       -;                                       -;            DENY
            DELETE; Patient/456;                       -;                                       -;            DENY
            PUT;    Observation;                       identifier=x;                            -;            DENY
            PUT;    Observation;                       identifier=x&patient=123;                -;            ALLOW
            DELETE; Observation;                       code=x;                                  -;            DENY
            PATCH;  Patient;                           identifier=x;                            -;            DENY
            POST;   Observation;                       -;                                       identifier=x; DENY
            POST;   Observation;                       -;                            identifier=x&patient=123; ALLOW
            # across everything
            GET;    '';                                -;                                       -;            DENY
            POST;   _search;                           -;                                       -;            DENY
            GET;    _history;                          -;                                       -;            DENY
            GET;    Observation/_history;              -;                                       -;            DENY
            GET;    Patient/_history;                  -;                                       -;            DENY
            GET;    $export;                           -;                                       -;            DENY
            GET;    Patient/$export;                   -;                                       -;            DENY
            GET;    Group/1/$export;                   -;                                       -;            DENY
            POST;   Patient/$match;                    -;                                       -;            DENY
            """)
    void keepsPatientScopesWithinTheLaunchPatient(String method, String path, String query, String ifNoneExist,
            String expected) {
        Access access = assertInstanceOf(Access.class, FhirRequestClassifier.classify(method, path,
                FhirRequestClassifierTest.query(query), ifNoneExist));

        Decision decision = PatientCompartment.check(access, LAUNCH);

        assertEquals(expected.equals("ALLOW"), decision.allowed(), () -> String.valueOf(decision));
        if (decision instanceof Decision.Deny deny) {
            assertFalse(deny.reason().isBlank());
        }
    }

    @Test
    void noPatientInContextDeniesEverything() {
        Access read = (Access) FhirRequestClassifier.classify("GET", "Practitioner/1", Map.of());

        assertFalse(PatientCompartment.check(read, null).allowed());
        assertFalse(PatientCompartment.check(read, " ").allowed());
        assertTrue(PatientCompartment.check(read, LAUNCH).allowed());
    }

    @Test
    void denialSaysWhichParametersWouldLimitTheSearch() {
        Access search = (Access) FhirRequestClassifier.classify("GET", "Observation", Map.of());

        Decision decision = PatientCompartment.check(search, LAUNCH);

        assertEquals(Decision.deny("a Observation search must be limited to the patient in context with patient or"
                + " subject"), decision);
    }

    @Test
    void idsAreComparedExactly() {
        Access read = (Access) FhirRequestClassifier.classify("GET", "Patient/abc", Map.of());

        assertFalse(PatientCompartment.check(read, "ABC").allowed());
        assertTrue(PatientCompartment.check(read, "abc").allowed());
    }
}
