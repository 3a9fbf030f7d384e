package org.smartbff.smart.scope;

/**
 * The FHIR RESTful interaction a request is, as far as access checks care (FHIR R4 http.html). The {@code capabilities}
 * interaction and {@code batch}/{@code transaction} are not here: they classify as
 * {@link Classification.Unrestricted} and {@link Classification.NeedsBody}.
 */
public enum FhirInteraction {
    READ,
    VREAD,
    HISTORY_INSTANCE,
    HISTORY_TYPE,
    HISTORY_SYSTEM,
    SEARCH_TYPE,
    SEARCH_SYSTEM,
    /** {@code [Compartment]/[id]/[type]}, {@code [Compartment]/[id]/*} and their {@code _search} forms. */
    SEARCH_COMPARTMENT,
    CREATE,
    /** A create with {@code If-None-Exist}: it also searches. */
    CONDITIONAL_CREATE,
    UPDATE,
    /** {@code PUT [type]?criteria}: it also searches. */
    CONDITIONAL_UPDATE,
    PATCH,
    /** {@code PATCH [type]?criteria}: it also searches. */
    CONDITIONAL_PATCH,
    DELETE,
    /** {@code DELETE [type]?criteria}: it also searches. */
    CONDITIONAL_DELETE,
    OPERATION_SYSTEM,
    OPERATION_TYPE,
    OPERATION_INSTANCE;

    /** Whether the request's criteria are a search on its resource type (searches, and the search part of conditionals). */
    public boolean searches() {
        return switch (this) {
            case SEARCH_TYPE, SEARCH_SYSTEM, SEARCH_COMPARTMENT, CONDITIONAL_CREATE, CONDITIONAL_UPDATE,
                    CONDITIONAL_PATCH, CONDITIONAL_DELETE ->
                true;
            default -> false;
        };
    }

    /** Whether the request changes data on the server. */
    public boolean writes() {
        return switch (this) {
            case CREATE, CONDITIONAL_CREATE, UPDATE, CONDITIONAL_UPDATE, PATCH, CONDITIONAL_PATCH, DELETE,
                    CONDITIONAL_DELETE ->
                true;
            default -> false;
        };
    }
}
