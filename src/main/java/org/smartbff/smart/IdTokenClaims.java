package org.smartbff.smart;

/**
 * What smart-bff keeps of a verified OpenID Connect id token: who the user is. {@code fhirUser} may be relative
 * ({@code Practitioner/123}) or absolute ({@code https://ehr.example/fhir/Practitioner/123}).
 */
public record IdTokenClaims(String issuer, String subject, String fhirUser, String name) {

    /** The FHIR resource type of {@code fhirUser} (Patient, Practitioner, RelatedPerson, Person), or null. */
    public String fhirUserType() {
        if (fhirUser == null) {
            return null;
        }
        String reference = fhirUser;
        int history = reference.indexOf("/_history/");
        if (history >= 0) {
            reference = reference.substring(0, history);
        }
        // [base/]Type/id: the type is the segment before the last, whether the reference is relative or absolute.
        String[] segments = reference.split("/");
        if (segments.length < 2) {
            return null;
        }
        String type = segments[segments.length - 2];
        return type.matches("[A-Z][A-Za-z]+") ? type : null;
    }
}
