package org.smartbff.smart.scope;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resource types that hold patient data, with the search parameters that tie a search on them to one patient. Fixed
 * for FHIR R4: a search on one of these types with {@code patient/} scopes must name the launch patient through one of
 * these parameters.
 *
 * <p>
 * The common R4 clinical types come first; then the other members of the R4 Patient compartment, so that a search on,
 * say, {@code Appointment} is not mistaken for non-patient data. A parameter missing here only means a search using it
 * is denied, never that one is allowed.
 */
final class PatientSearchParameters {

    private static final Set<String> PATIENT = Set.of("patient");
    private static final Set<String> PATIENT_OR_SUBJECT = Set.of("patient", "subject");

    private static final Map<String, Set<String>> BY_TYPE = Map.ofEntries(
            Map.entry("Observation", PATIENT_OR_SUBJECT),
            Map.entry("Condition", PATIENT_OR_SUBJECT),
            Map.entry("MedicationRequest", PATIENT_OR_SUBJECT),
            Map.entry("AllergyIntolerance", PATIENT),
            Map.entry("Encounter", PATIENT_OR_SUBJECT),
            Map.entry("Procedure", PATIENT_OR_SUBJECT),
            Map.entry("Immunization", PATIENT),
            Map.entry("DiagnosticReport", PATIENT_OR_SUBJECT),
            Map.entry("DocumentReference", PATIENT_OR_SUBJECT),
            Map.entry("CarePlan", PATIENT_OR_SUBJECT),
            Map.entry("CareTeam", PATIENT_OR_SUBJECT),
            Map.entry("Goal", PATIENT_OR_SUBJECT),
            Map.entry("MedicationStatement", PATIENT_OR_SUBJECT),
            Map.entry("MedicationAdministration", PATIENT_OR_SUBJECT),
            Map.entry("MedicationDispense", PATIENT_OR_SUBJECT),
            Map.entry("ServiceRequest", PATIENT_OR_SUBJECT),
            Map.entry("Coverage", Set.of("patient", "beneficiary")),
            Map.entry("Claim", PATIENT),
            Map.entry("ExplanationOfBenefit", PATIENT),
            Map.entry("QuestionnaireResponse", PATIENT_OR_SUBJECT),
            Map.entry("RiskAssessment", PATIENT_OR_SUBJECT),
            Map.entry("FamilyMemberHistory", PATIENT),
            Map.entry("Device", PATIENT),
            Map.entry("Specimen", PATIENT_OR_SUBJECT),
            Map.entry("Flag", PATIENT_OR_SUBJECT),
            Map.entry("ClinicalImpression", PATIENT_OR_SUBJECT),
            Map.entry("DetectedIssue", PATIENT),
            Map.entry("NutritionOrder", PATIENT),
            Map.entry("Provenance", PATIENT),
            Map.entry("Consent", PATIENT),
            Map.entry("Communication", PATIENT_OR_SUBJECT),
            Map.entry("CommunicationRequest", PATIENT_OR_SUBJECT),
            Map.entry("List", PATIENT_OR_SUBJECT),
            Map.entry("Media", PATIENT_OR_SUBJECT),
            Map.entry("ImagingStudy", PATIENT_OR_SUBJECT),
            Map.entry("EpisodeOfCare", PATIENT),
            Map.entry("Account", PATIENT_OR_SUBJECT),
            // Further members of the R4 Patient compartment.
            Map.entry("AdverseEvent", Set.of("subject")),
            Map.entry("Appointment", Set.of("patient", "actor")),
            Map.entry("AppointmentResponse", Set.of("patient", "actor")),
            Map.entry("AuditEvent", PATIENT),
            Map.entry("Basic", PATIENT_OR_SUBJECT),
            Map.entry("BodyStructure", PATIENT),
            Map.entry("ChargeItem", PATIENT_OR_SUBJECT),
            Map.entry("ClaimResponse", PATIENT),
            Map.entry("Composition", PATIENT_OR_SUBJECT),
            Map.entry("CoverageEligibilityRequest", PATIENT),
            Map.entry("CoverageEligibilityResponse", PATIENT),
            Map.entry("DeviceRequest", PATIENT_OR_SUBJECT),
            Map.entry("DeviceUseStatement", PATIENT_OR_SUBJECT),
            Map.entry("DocumentManifest", PATIENT_OR_SUBJECT),
            Map.entry("EnrollmentRequest", PATIENT_OR_SUBJECT),
            Map.entry("Group", Set.of("member")),
            Map.entry("ImmunizationEvaluation", PATIENT),
            Map.entry("ImmunizationRecommendation", PATIENT),
            Map.entry("Invoice", PATIENT_OR_SUBJECT),
            Map.entry("MeasureReport", PATIENT_OR_SUBJECT),
            Map.entry("MolecularSequence", PATIENT),
            Map.entry("Person", PATIENT),
            Map.entry("RelatedPerson", PATIENT),
            Map.entry("RequestGroup", PATIENT_OR_SUBJECT),
            Map.entry("ResearchSubject", Set.of("patient", "individual")),
            Map.entry("Schedule", Set.of("actor")),
            Map.entry("SupplyDelivery", PATIENT),
            Map.entry("SupplyRequest", Set.of("subject")),
            Map.entry("VisionPrescription", PATIENT));

    /**
     * Parameters that can only point to a Patient, so a bare id means that patient. Others ({@code subject},
     * {@code actor}, {@code member}) also point to Groups, Devices or Practitioners, where a bare {@code 123} could be
     * {@code Group/123}: they must say {@code Patient/123} or use the {@code :Patient} modifier.
     */
    private static final Set<String> PATIENT_ONLY = Set.of("patient", "beneficiary", "individual");

    private PatientSearchParameters() {
    }

    /** The parameters that limit a search on {@code type} to one patient; empty when the type is not patient data. */
    static Optional<Set<String>> of(String type) {
        return Optional.ofNullable(BY_TYPE.get(type));
    }

    static boolean pointsOnlyToPatients(String parameter) {
        return PATIENT_ONLY.contains(parameter);
    }
}
