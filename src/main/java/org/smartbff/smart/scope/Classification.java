package org.smartbff.smart.scope;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What {@link FhirRequestClassifier} makes of a FHIR request. */
public sealed interface Classification
        permits Classification.Access, Classification.Unrestricted, Classification.NeedsBody, Classification.Refused {

    /**
     * A request that is allowed when the granted scopes allow every one of {@code required}.
     *
     * @param required the permissions needed, without duplicates, in a stable order
     * @param compartmentPatientId the id of the patient whose compartment the request is confined to, when the
     *        request addresses {@code Patient/[id]} or something below it; otherwise null
     * @param interaction the FHIR interaction
     * @param resourceType the type the interaction is on: the addressed type, the searched type of a compartment
     *        search, or {@code *} for system-level requests
     * @param resourceId the addressed instance, or null
     * @param criteria the search parameters that select what the request touches: the query of searches, of
     *        conditional update/patch/delete and of everything else as given; for a conditional create the parsed
     *        {@code If-None-Exist}. Unmodifiable.
     */
    record Access(List<RequiredPermission> required, String compartmentPatientId, FhirInteraction interaction,
            String resourceType, String resourceId, Map<String, List<String>> criteria) implements Classification {

        public Access {
            Objects.requireNonNull(interaction, "interaction");
            Objects.requireNonNull(resourceType, "resourceType");
            if (required == null || required.isEmpty()) {
                throw new IllegalArgumentException("an access needs at least one permission");
            }
            required = List.copyOf(new LinkedHashSet<>(required));
            criteria = QueryStrings.freeze(criteria);
        }
    }

    /** A request any session may make, whatever its scopes: {@code GET metadata}. */
    record Unrestricted() implements Classification {
    }

    /**
     * {@code POST [base]}: a batch or transaction. SMART defines no scope for it; each entry must be checked on its own
     * (SMART App Launch 2.2, "Batches and Transactions"). The caller parses the Bundle and classifies every entry with
     * {@link FhirRequestClassifier#classifyBundleEntry}; all of them must be allowed.
     */
    record NeedsBody() implements Classification {
    }

    /** A request that must not be forwarded, with why (safe to show: it only describes the request). */
    record Refused(String reason) implements Classification {

        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
