package org.smartbff.smart.scope;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.smartbff.smart.scope.Classification.Access;

/**
 * Keeps a session that holds only {@code patient/} scopes ({@link GrantedScopes#patientScopesOnly()}) within the
 * launch patient's data. The FHIR server must enforce this itself; this check stops the requests that can be seen to
 * leave the patient from the request alone, before they are forwarded.
 *
 * <p>
 * Rules, applied to a {@linkplain FhirRequestClassifier classified} request:
 * <ol>
 * <li>No patient in context: deny.</li>
 * <li>A request on {@code Patient/[id]} or below it (read, vread, history, update, patch, delete, instance operation,
 * compartment search) must have {@code id} = the launch patient.</li>
 * <li>Every search it makes (searches, the search part of conditional create/update/patch/delete, type-level
 * operations) must be limited to the launch patient:
 * <ul>
 * <li>inside the launch patient's compartment ({@code Patient/[launch]/...}, {@code Patient/[launch]/$everything}):
 * allowed, except a search for {@code Patient} resources, which follows the next rule;</li>
 * <li>on {@code Patient}: the query has {@code _id} and every {@code _id} value is exactly the launch patient id;</li>
 * <li>on a type that holds patient data ({@link PatientSearchParameters}, e.g. {@code Observation} with
 * {@code patient}|{@code subject}): the query has at least one of that type's patient parameters, and every value of
 * those parameters (each item of a comma-separated list) names the launch patient as {@code Patient/[id]},
 * {@code [anything]/Patient/[id]}, or a bare {@code [id]} where the parameter points only to patients
 * ({@code patient}, {@code beneficiary}, {@code individual}) or carries the {@code :Patient} modifier. Other modifiers on
 * those parameters, {@code _id} or any other parameter are not enough;</li>
 * <li>across all types ({@code *}) outside the launch patient's compartment: deny;</li>
 * <li>on other types (Practitioner, Organization, Location, Medication, ValueSet, ...): allowed, not patient
 * data.</li>
 * </ul>
 * </li>
 * <li>Type history of a patient-data type or of {@code Patient}, and system history: deny (history takes no search
 * parameters that could limit it). Type history of other types: allowed.</li>
 * <li>Reads of other instances ({@code Observation/123}), creates, updates, patches, deletes and instance operations
 * on types other than Patient: allowed. Whether {@code Observation/123} belongs to the patient is only known by
 * fetching it, and what a write puts in a resource is in its body; both are left to the FHIR server.</li>
 * <li>Resources pulled in by {@code _include} / {@code _revinclude} are checked by type only (by the scopes), not
 * here.</li>
 * </ol>
 */
public final class PatientCompartment {

    private static final String PATIENT = "Patient";

    private PatientCompartment() {
    }

    /** The outcome of {@link #check}. */
    public sealed interface Decision permits Decision.Allow, Decision.Deny {

        Decision ALLOW = new Allow();

        static Decision deny(String reason) {
            return new Deny(reason);
        }

        boolean allowed();

        record Allow() implements Decision {

            @Override
            public boolean allowed() {
                return true;
            }
        }

        /** @param reason why, in terms of the request (safe to log and to show the SPA) */
        record Deny(String reason) implements Decision {

            public Deny {
                Objects.requireNonNull(reason, "reason");
            }

            @Override
            public boolean allowed() {
                return false;
            }
        }
    }

    /**
     * @param access the classified request (for a POST {@code _search}, classified with the form body merged in)
     * @param launchPatientId the {@code patient} of the launch context
     */
    public static Decision check(Access access, String launchPatientId) {
        if (launchPatientId == null || launchPatientId.isBlank()) {
            return Decision.deny("patient/ scopes without a patient in context");
        }
        String compartment = access.compartmentPatientId();
        if (compartment != null && !compartment.equals(launchPatientId)) {
            return Decision.deny("Patient/" + compartment + " is not the patient in context");
        }
        switch (access.interaction()) {
            case HISTORY_SYSTEM:
                return Decision.deny("history across all types cannot be limited to one patient");
            case HISTORY_TYPE:
                return isPatientData(access.resourceType())
                        ? Decision.deny("history of " + access.resourceType() + " cannot be limited to one patient")
                        : Decision.ALLOW;
            default:
                break;
        }
        for (RequiredPermission permission : access.required()) {
            if (permission.interaction() == Interaction.SEARCH) {
                Decision decision = search(permission.resourceType(), access.criteria(), compartment, launchPatientId);
                if (!decision.allowed()) {
                    return decision;
                }
            }
        }
        return Decision.ALLOW;
    }

    private static boolean isPatientData(String type) {
        return type.equals(PATIENT) || PatientSearchParameters.of(type).isPresent();
    }

    private static Decision search(String type, Map<String, List<String>> criteria, String compartment,
            String launchPatientId) {
        if (type.equals(PATIENT)) {
            return searchPatients(criteria, launchPatientId);
        }
        if (compartment != null) {
            return Decision.ALLOW;
        }
        if (type.equals(SmartScope.ANY_TYPE)) {
            return Decision.deny("a search across all types cannot be limited to one patient");
        }
        Optional<Set<String>> parameters = PatientSearchParameters.of(type);
        return parameters.isEmpty() ? Decision.ALLOW
                : searchPatientData(type, parameters.get(), criteria, launchPatientId);
    }

    private static Decision searchPatients(Map<String, List<String>> criteria, String launchPatientId) {
        List<String> ids = criteria.getOrDefault("_id", List.of());
        if (ids.isEmpty()) {
            return Decision.deny("a Patient search must be limited with _id=" + launchPatientId);
        }
        for (String name : criteria.keySet()) {
            if (name.startsWith("_id:")) {
                return Decision.deny("a Patient search must use _id without modifiers");
            }
        }
        for (String value : ids) {
            for (String id : value.split(",", -1)) {
                if (!id.equals(launchPatientId)) {
                    return Decision.deny("a Patient search may only ask for _id=" + launchPatientId);
                }
            }
        }
        return Decision.ALLOW;
    }

    private static Decision searchPatientData(String type, Set<String> parameters,
            Map<String, List<String>> criteria, String launchPatientId) {
        int limits = 0;
        for (Map.Entry<String, List<String>> parameter : criteria.entrySet()) {
            String name = parameter.getKey();
            int colon = name.indexOf(':');
            String base = colon < 0 ? name : name.substring(0, colon);
            if (!parameters.contains(base)) {
                continue;
            }
            boolean typedPatient = colon >= 0 && name.substring(colon + 1).equals(PATIENT);
            if (colon >= 0 && !typedPatient) {
                return Decision.deny(name + " does not limit a " + type + " search to one patient");
            }
            boolean bareIdIsPatient = typedPatient || PatientSearchParameters.pointsOnlyToPatients(base);
            for (String value : parameter.getValue()) {
                for (String reference : value.split(",", -1)) {
                    if (!namesPatient(reference, launchPatientId, bareIdIsPatient)) {
                        return Decision.deny(name + " of a " + type + " search must name only the patient in context");
                    }
                    limits++;
                }
            }
        }
        return limits > 0 ? Decision.ALLOW
                : Decision.deny("a " + type + " search must be limited to the patient in context with "
                        + String.join(" or ", parameters.stream().sorted().toList()));
    }

    private static boolean namesPatient(String reference, String launchPatientId, boolean bareIdIsPatient) {
        String relative = PATIENT + "/" + launchPatientId;
        return reference.equals(relative)
                || (reference.endsWith("/" + relative) && reference.length() > relative.length() + 1)
                || (bareIdIsPatient && reference.equals(launchPatientId));
    }
}
