package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.smartbff.smart.IdTokenClaims;

class IdTokenClaimsTest {

    private static String typeOf(String fhirUser) {
        return new IdTokenClaims("https://as", "sub", fhirUser, "Dr Who").fhirUserType();
    }

    @Test
    void relative_reference_gives_its_type() {
        assertEquals("Practitioner", typeOf("Practitioner/123"));
    }

    @Test
    void absolute_reference_gives_its_type() {
        assertEquals("Patient", typeOf("https://ehr.example/fhir/Patient/abc"));
    }

    @Test
    void versioned_reference_gives_its_type() {
        assertEquals("Patient", typeOf("Patient/1/_history/2"));
    }

    @Test
    void absolute_versioned_reference_gives_its_type() {
        assertEquals("RelatedPerson", typeOf("https://ehr.example/fhir/RelatedPerson/r1/_history/7"));
    }

    @Test
    void null_fhir_user_has_no_type() {
        assertNull(typeOf(null));
    }

    @Test
    void bare_id_has_no_type() {
        assertNull(typeOf("123"));
    }

    @Test
    void versioned_reference_with_upper_case_id_gives_its_type() {
        // FHIR ids are [A-Za-z0-9\-\.]{1,64}: an id may start with an upper-case letter.
        assertEquals("Practitioner", typeOf("Practitioner/ABC123/_history/1"));
    }
}
