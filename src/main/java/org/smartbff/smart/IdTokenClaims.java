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
        String[] segments = fhirUser.split("/");
        // The type is the segment before the id, whether the reference is relative or absolute (possibly with _history).
        for (int i = segments.length - 2; i >= 0; i--) {
            if (!segments[i].isEmpty() && Character.isUpperCase(segments[i].charAt(0)) && !segments[i].equals("_history")) {
                return segments[i];
            }
        }
        return null;
    }
}
