package org.smartbff.observe;

import java.util.Set;

/**
 * The resource type names of FHIR R4 (4.0.1), so a metric label or an audit field takes only values from a fixed set:
 * a request for {@code /fhir/Anything} cannot grow the label space.
 */
public final class FhirResourceTypes {

    static final Set<String> R4 = Set.of("Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance",
            "Appointment", "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
            "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry", "ChargeItem",
            "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression", "CodeSystem", "Communication",
            "CommunicationRequest", "CompartmentDefinition", "Composition", "ConceptMap", "Condition", "Consent",
            "Contract", "Coverage", "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue",
            "Device", "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement", "DiagnosticReport",
            "DocumentManifest", "DocumentReference", "EffectEvidenceSynthesis", "Encounter", "Endpoint",
            "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare", "EventDefinition", "Evidence",
            "EvidenceVariable", "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal",
            "GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy", "Immunization",
            "ImmunizationEvaluation", "ImmunizationRecommendation", "ImplementationGuide", "InsurancePlan", "Invoice",
            "Library", "Linkage", "List", "Location", "Measure", "MeasureReport", "Media", "Medication",
            "MedicationAdministration", "MedicationDispense", "MedicationKnowledge", "MedicationRequest",
            "MedicationStatement", "MedicinalProduct", "MedicinalProductAuthorization", "MedicinalProductContraindication",
            "MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
            "MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
            "MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader", "MolecularSequence",
            "NamingSystem", "NutritionOrder", "Observation", "ObservationDefinition", "OperationDefinition",
            "OperationOutcome", "Organization", "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice",
            "PaymentReconciliation", "Person", "PlanDefinition", "Practitioner", "PractitionerRole", "Procedure",
            "Provenance", "Questionnaire", "QuestionnaireResponse", "RelatedPerson", "RequestGroup", "ResearchDefinition",
            "ResearchElementDefinition", "ResearchStudy", "ResearchSubject", "RiskAssessment", "RiskEvidenceSynthesis",
            "Schedule", "SearchParameter", "ServiceRequest", "Slot", "Specimen", "SpecimenDefinition", "StructureDefinition",
            "StructureMap", "Subscription", "Substance", "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
            "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification", "SupplyDelivery",
            "SupplyRequest", "Task", "TerminologyCapabilities", "TestReport", "TestScript", "ValueSet",
            "VerificationResult", "VisionPrescription");

    private FhirResourceTypes() {
    }

    /**
     * What a proxied path is about, for labels and audit: a known resource type, {@code metadata}, {@code system}
     * (the base, batch/transaction, system operations and history), or {@code other}.
     */
    public static String of(String relativePath) {
        if (relativePath == null || relativePath.isEmpty()) {
            return "system";
        }
        int slash = relativePath.indexOf('/');
        String first = slash < 0 ? relativePath : relativePath.substring(0, slash);
        if (R4.contains(first)) {
            return first;
        }
        if (first.equals("metadata")) {
            return "metadata";
        }
        if (first.startsWith("$") || first.startsWith("_")) {
            return "system";
        }
        return "other";
    }

    /** The resource id of {@code Type/id[/...]}, or null. */
    public static String idOf(String relativePath) {
        if (relativePath == null) {
            return null;
        }
        String[] segments = relativePath.split("/");
        if (segments.length >= 2 && R4.contains(segments[0]) && !segments[1].startsWith("$") && !segments[1].startsWith("_")) {
            return segments[1];
        }
        return null;
    }
}
