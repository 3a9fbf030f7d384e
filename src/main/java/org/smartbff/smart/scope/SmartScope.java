package org.smartbff.smart.scope;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMART resource scope, v1 or v2, e.g. {@code patient/Observation.rs},
 * {@code user/*.read} or
 * {@code patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory}.
 *
 * <p>
 * Grammar (SMART App Launch 2.2, "FHIR Resource Scope Syntax"): {@code (patient|user|system) / (Type|*) . suffix}
 * followed, for v2 only, by {@code ?param=value(&param=value)*}. The v2 suffix is a non-empty in-order subset of
 * {@code cruds}; the v1 suffixes map as the spec says: {@code read} to {@code rs}, {@code write} to {@code cud},
 * {@code *} to {@code cruds}. Everything is case-sensitive, so {@code Patient/Observation.rs} and
 * {@code patient/Observation.RS} are not scopes. The spec lets servers ignore or reject out-of-order suffixes such as
 * {@code .sr} or {@code .dus}; here they grant nothing.
 *
 * @param context whose data the scope is about
 * @param resourceType a FHIR type name ({@code [A-Z][A-Za-z]+}) or {@code *}
 * @param interactions what the scope allows; never empty
 * @param parameters the v2 constraints, name to values in order of appearance (a repeated name gives several values),
 *        percent-decoded; empty when the scope is not granular
 * @param version the syntax the scope was written in
 * @param raw the scope exactly as granted
 */
public record SmartScope(ScopeContext context, String resourceType, EnumSet<Interaction> interactions,
        Map<String, List<String>> parameters, ScopeVersion version, String raw) {

    public static final String ANY_TYPE = "*";

    private static final Pattern SCOPE = Pattern.compile(
            "(patient|user|system)/(\\*|[A-Z][A-Za-z]+)\\.(\\*|[a-z]+)(?:\\?(.+))?");
    private static final Pattern TYPE = Pattern.compile("\\*|[A-Z][A-Za-z]+");

    public SmartScope {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(raw, "raw");
        if (resourceType == null || !TYPE.matcher(resourceType).matches()) {
            throw new IllegalArgumentException("not a resource type: " + resourceType);
        }
        if (interactions == null || interactions.isEmpty()) {
            throw new IllegalArgumentException("a scope grants at least one interaction");
        }
        interactions = EnumSet.copyOf(interactions);
        parameters = QueryStrings.freeze(parameters);
    }

    /** A copy: the set inside stays as parsed. */
    @Override
    public EnumSet<Interaction> interactions() {
        return EnumSet.copyOf(interactions);
    }

    /**
     * Parses one scope. Empty for anything that is not a resource scope: {@code openid}, {@code fhirUser},
     * {@code launch/patient}, {@code offline_access}, extension scopes, and malformed resource scopes alike.
     */
    public static Optional<SmartScope> parse(String scope) {
        if (scope == null || scope.chars().anyMatch(Character::isWhitespace)) {
            return Optional.empty();
        }
        Matcher matcher = SCOPE.matcher(scope);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        ScopeContext context = ScopeContext.ofPrefix(matcher.group(1)).orElseThrow();
        String type = matcher.group(2);
        String suffix = matcher.group(3);
        String query = matcher.group(4);

        Optional<EnumSet<Interaction>> v1 = v1Interactions(suffix);
        if (v1.isPresent()) {
            // The constraint syntax is v2 only; a v1 scope with a query is not something this code can interpret.
            return query == null
                    ? Optional.of(new SmartScope(context, type, v1.get(), Map.of(), ScopeVersion.V1, scope))
                    : Optional.empty();
        }
        Optional<EnumSet<Interaction>> v2 = v2Interactions(suffix);
        if (v2.isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<String>> parameters = Map.of();
        if (query != null) {
            Optional<Map<String, List<String>>> parsed = QueryStrings.parseScopeConstraints(query);
            if (parsed.isEmpty()) {
                return Optional.empty();
            }
            parameters = parsed.get();
        }
        return Optional.of(new SmartScope(context, type, v2.get(), parameters, ScopeVersion.V2, scope));
    }

    /** Whether this scope grants {@code interaction}, on whatever type it names. */
    public boolean allows(Interaction interaction) {
        return interactions.contains(interaction);
    }

    /** Whether this scope is about {@code type}: same name, or a wildcard scope. A wildcard request needs {@code *}. */
    public boolean appliesTo(String type) {
        return resourceType.equals(ANY_TYPE) || resourceType.equals(type);
    }

    /** Whether this is a v2 scope narrowed by search parameters. */
    public boolean granular() {
        return !parameters.isEmpty();
    }

    @Override
    public String toString() {
        return raw;
    }

    private static Optional<EnumSet<Interaction>> v1Interactions(String suffix) {
        return switch (suffix) {
            case "read" -> Optional.of(EnumSet.of(Interaction.READ, Interaction.SEARCH));
            case "write" -> Optional.of(EnumSet.of(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE));
            case "*" -> Optional.of(EnumSet.allOf(Interaction.class));
            default -> Optional.empty();
        };
    }

    /** Letters from {@code cruds}, each at most once and in that order. */
    private static Optional<EnumSet<Interaction>> v2Interactions(String suffix) {
        EnumSet<Interaction> result = EnumSet.noneOf(Interaction.class);
        int previous = -1;
        for (char letter : suffix.toCharArray()) {
            Optional<Interaction> interaction = Interaction.ofLetter(letter);
            if (interaction.isEmpty() || interaction.get().ordinal() <= previous) {
                return Optional.empty();
            }
            previous = interaction.get().ordinal();
            result.add(interaction.get());
        }
        return result.isEmpty() ? Optional.empty() : Optional.of(result);
    }
}
