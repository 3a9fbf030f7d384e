package org.smartbff.smart.scope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scopes a token was granted, split into resource scopes (what FHIR data the app may touch) and everything else
 * ({@code openid}, {@code launch/patient}, {@code offline_access}, extension scopes, unparseable scopes).
 *
 * <p>
 * Checks here look at resource type and interaction only; the scope context ({@code patient/}, {@code user/},
 * {@code system/}) does not widen or narrow them. Confining {@code patient/} scopes to the launch patient is
 * {@link PatientCompartment}'s job.
 *
 * <p>
 * <b>Granular (v2 {@code ?param=value}) scopes.</b> Their constraints are enforced on searches, where the query makes
 * them decidable: {@link #permitsSearch} allows a search only if some permitting scope is not granular, or the query
 * stays inside one granular scope's constraints (see {@link GranularConstraints}). Reads and writes under granular-only
 * scopes are allowed by type: whether {@code Observation/123} is a laboratory result is only known by fetching it, so
 * that is left to the FHIR server, which must enforce its own grants. {@link #hasGranularOnly} tells a caller when it
 * is relying on the server in that way.
 */
public final class GrantedScopes {

    private final List<SmartScope> resourceScopes;
    private final Set<String> otherScopes;

    private GrantedScopes(List<SmartScope> resourceScopes, Set<String> otherScopes) {
        this.resourceScopes = Collections.unmodifiableList(resourceScopes);
        this.otherScopes = Collections.unmodifiableSet(otherScopes);
    }

    /** Parses a space-separated {@code scope} value as granted in a token response; null means nothing granted. */
    public static GrantedScopes parse(String scopeString) {
        List<SmartScope> resources = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Set<String> others = new LinkedHashSet<>();
        if (scopeString != null) {
            for (String token : scopeString.trim().split("\\s+")) {
                if (token.isEmpty() || !seen.add(token)) {
                    continue;
                }
                Optional<SmartScope> scope = SmartScope.parse(token);
                if (scope.isPresent()) {
                    resources.add(scope.get());
                } else {
                    others.add(token);
                }
            }
        }
        return new GrantedScopes(resources, others);
    }

    /** The resource scopes, in the order granted, without duplicates. */
    public List<SmartScope> resourceScopes() {
        return resourceScopes;
    }

    /** Every granted scope that is not a resource scope, in the order granted. */
    public Set<String> otherScopes() {
        return otherScopes;
    }

    /** Whether some scope for {@code resourceType} (or {@code *}) grants {@code interaction}, constraints aside. */
    public boolean permits(String resourceType, Interaction interaction) {
        return !permitting(resourceType, interaction).isEmpty();
    }

    /** The scopes that grant {@code interaction} on {@code resourceType}; a request on {@code *} needs a {@code *} scope. */
    public List<SmartScope> permitting(String resourceType, Interaction interaction) {
        List<SmartScope> result = new ArrayList<>();
        for (SmartScope scope : resourceScopes) {
            if (scope.appliesTo(resourceType) && scope.allows(interaction)) {
                result.add(scope);
            }
        }
        return result;
    }

    /**
     * True when at least one resource scope was granted and all of them are {@code patient/} scopes: then every request
     * must stay within the launch patient's compartment.
     */
    public boolean patientScopesOnly() {
        return !resourceScopes.isEmpty()
                && resourceScopes.stream().allMatch(scope -> scope.context() == ScopeContext.PATIENT);
    }

    /** True when {@code interaction} on {@code resourceType} is permitted, but only by granular scopes. */
    public boolean hasGranularOnly(String resourceType, Interaction interaction) {
        List<SmartScope> scopes = permitting(resourceType, interaction);
        return !scopes.isEmpty() && scopes.stream().allMatch(SmartScope::granular);
    }

    /**
     * Whether a search on {@code resourceType} with these (decoded) query parameters is allowed: some scope permits
     * searching the type without constraints, or the query stays inside the constraints of some granular scope that
     * permits it. Example: under {@code patient/Observation.rs?category=a|b}, {@code category=a|b} is allowed, a query
     * without {@code category} or with {@code category=x} or {@code category=a|b,x} is not. For a {@code POST _search}
     * the caller passes the URL and form-body parameters together.
     */
    public boolean permitsSearch(String resourceType, Map<String, List<String>> queryParams) {
        Map<String, List<String>> query = queryParams == null ? Map.of() : queryParams;
        for (SmartScope scope : permitting(resourceType, Interaction.SEARCH)) {
            if (!scope.granular() || GranularConstraints.satisfiedBy(scope.parameters(), query)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether every permission the request needs is granted. Each SEARCH permission is checked with
     * {@link #permitsSearch} against the request's {@linkplain Classification.Access#criteria() criteria}, so granular
     * scopes are enforced wherever the request searches; other permissions are checked by type.
     */
    public boolean allows(Classification.Access access) {
        return missing(access).isEmpty();
    }

    /** The permissions of {@code access} that the granted scopes do not give, for logs and error messages. */
    public List<RequiredPermission> missing(Classification.Access access) {
        List<RequiredPermission> missing = new ArrayList<>();
        for (RequiredPermission permission : access.required()) {
            boolean granted = permission.interaction() == Interaction.SEARCH
                    ? permitsSearch(permission.resourceType(), access.criteria())
                    : permits(permission.resourceType(), permission.interaction());
            if (!granted) {
                missing.add(permission);
            }
        }
        return missing;
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>();
        resourceScopes.forEach(scope -> all.add(scope.raw()));
        all.addAll(otherScopes);
        return String.join(" ", all);
    }
}
