package org.smartbff.smart.scope;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.smartbff.smart.scope.Classification.Access;
import org.smartbff.smart.scope.Classification.NeedsBody;
import org.smartbff.smart.scope.Classification.Refused;
import org.smartbff.smart.scope.Classification.Unrestricted;

// The table below is laid out by hand, one row per line: the formatter would put every cell on a line of its own.
// @formatter:off
/**
 * Maps a FHIR REST request to the SMART permissions it needs, so a request can be refused before it reaches the FHIR
 * server. Anything this class does not recognise is {@link Refused}: the SPA only gets to do what is mapped here.
 *
 * <p>
 * Paths are relative to the FHIR base, without a leading slash. {@code HEAD} is treated as {@code GET}. Type names
 * must match {@code [A-Z][A-Za-z]+}, ids and version ids the FHIR id syntax {@code [A-Za-z0-9\-.]{1,64}} (so an id
 * that is percent-encoded is refused rather than decoded), operation names {@code $[A-Za-z][A-Za-z0-9_-]*}.
 *
 * <table>
 * <caption>Request to required permissions ({@code s} = SEARCH, {@code r} = READ, ...)</caption>
 * <tr><th>method</th><th>path</th><th>required</th><th>interaction</th></tr>
 * <tr><td>GET</td><td>{@code metadata}</td><td>none: {@link Unrestricted}</td><td>capabilities</td></tr>
 * <tr><td>GET</td><td>{@code [type]/[id]}</td><td>type.r</td><td>READ</td></tr>
 * <tr><td>GET</td><td>{@code [type]/[id]/_history/[vid]}</td><td>type.r</td><td>VREAD</td></tr>
 * <tr><td>GET</td><td>{@code [type]/[id]/_history}</td><td>type.r</td><td>HISTORY_INSTANCE</td></tr>
 * <tr><td>GET</td><td>{@code [type]/_history}</td><td>type.s</td><td>HISTORY_TYPE</td></tr>
 * <tr><td>GET</td><td>{@code _history}</td><td>*.s</td><td>HISTORY_SYSTEM</td></tr>
 * <tr><td>GET</td><td>{@code [type]}</td><td>type.s</td><td>SEARCH_TYPE</td></tr>
 * <tr><td>POST</td><td>{@code [type]/_search}</td><td>type.s</td><td>SEARCH_TYPE</td></tr>
 * <tr><td>GET</td><td>(base)</td><td>*.s, or T.s for each T of {@code _type}</td><td>SEARCH_SYSTEM</td></tr>
 * <tr><td>POST</td><td>{@code _search}</td><td>*.s, or T.s for each T of {@code _type}</td><td>SEARCH_SYSTEM</td></tr>
 * <tr><td>GET</td><td>{@code [C]/[id]/[type]}</td><td>type.s</td><td>SEARCH_COMPARTMENT</td></tr>
 * <tr><td>GET</td><td>{@code [C]/[id]/*}</td><td>*.s, or T.s for each T of {@code _type}</td><td>SEARCH_COMPARTMENT</td></tr>
 * <tr><td>POST</td><td>{@code [C]/[id]/[type]/_search}, {@code [C]/[id]/_search}</td><td>as the GET forms</td>
 * <td>SEARCH_COMPARTMENT</td></tr>
 * <tr><td>POST</td><td>{@code [type]}</td><td>type.c</td><td>CREATE</td></tr>
 * <tr><td>POST</td><td>{@code [type]} with {@code If-None-Exist}</td><td>type.c, type.s</td><td>CONDITIONAL_CREATE</td></tr>
 * <tr><td>PUT</td><td>{@code [type]/[id]}</td><td>type.u</td><td>UPDATE</td></tr>
 * <tr><td>PUT</td><td>{@code [type]?criteria}</td><td>type.u, type.s</td><td>CONDITIONAL_UPDATE</td></tr>
 * <tr><td>PATCH</td><td>{@code [type]/[id]}</td><td>type.u</td><td>PATCH</td></tr>
 * <tr><td>PATCH</td><td>{@code [type]?criteria}</td><td>type.u, type.s</td><td>CONDITIONAL_PATCH</td></tr>
 * <tr><td>DELETE</td><td>{@code [type]/[id]}</td><td>type.d</td><td>DELETE</td></tr>
 * <tr><td>DELETE</td><td>{@code [type]?criteria}</td><td>type.d, type.s</td><td>CONDITIONAL_DELETE</td></tr>
 * <tr><td>GET, POST</td><td>{@code $op}</td><td>*.s</td><td>OPERATION_SYSTEM</td></tr>
 * <tr><td>GET, POST</td><td>{@code [type]/$op}</td><td>type.s</td><td>OPERATION_TYPE</td></tr>
 * <tr><td>GET, POST</td><td>{@code [type]/[id]/$op}, {@code [type]/[id]/_history/[vid]/$op}</td><td>type.r</td>
 * <td>OPERATION_INSTANCE</td></tr>
 * <tr><td>POST</td><td>(base)</td><td>each entry: {@link NeedsBody}</td><td>batch / transaction</td></tr>
 * <tr><td colspan="4">anything else (other methods, other shapes, more segments): {@link Refused}</td></tr>
 * </table>
 *
 * <p>
 * Notes on the table:
 * <ul>
 * <li>{@code [C]} is a compartment type of FHIR R4: Patient, Encounter, RelatedPerson, Practitioner, Device. For
 * {@code Patient/[id]/...}, and for every request on {@code Patient/[id]}, the id is the
 * {@link Access#compartmentPatientId()}.</li>
 * <li>Operations: SMART has no operation scopes, so the rule is conservative. System-level operations need search on
 * everything, type-level ones search on the type, instance-level ones read on the type. {@code $everything} and
 * {@code $export} (at any level) return whole compartments or the whole server and also need {@code *.s};
 * {@code Patient/[id]/$everything} is therefore {@code Patient.r} and {@code *.s}. POST to an operation needs the same as
 * GET: in SMART terms operations neither create nor update, although some do write; of those, {@code $meta-add} and
 * {@code $meta-delete} (which change a resource's meta) also need {@code type.u}. Others are the FHIR server's to
 * refuse.</li>
 * <li>Searches also need READ on what they include: {@code _include=S:p:T} needs {@code T.r},
 * {@code _revinclude=S:p} needs {@code S.r}, {@code _include=*} or {@code _revinclude=*} needs {@code *.r}. An
 * {@code _include=S:p} without a target type requires nothing here: which types {@code p} can point to is only in the
 * server's search parameter definitions.</li>
 * <li>{@code POST [type]/_search} and {@code POST _search} carry parameters in a form body: the caller merges them with
 * the URL query before classifying, or the criteria (and granular scope checks) see only half the search.</li>
 * <li>A conditional create's criteria are its {@code If-None-Exist} header, passed as {@code ifNoneExist}; they become
 * the {@link Access#criteria()}.</li>
 * </ul>
 */
// @formatter:on
public final class FhirRequestClassifier {

    /** Compartment definitions of FHIR R4. */
    private static final Set<String> COMPARTMENTS = Set.of("Patient", "Encounter", "RelatedPerson", "Practitioner",
            "Device");
    /** Operations that return a whole compartment or the whole server. */
    private static final Set<String> WIDE_OPERATIONS = Set.of("$everything", "$export");
    /** Operations that change the resource they are invoked on. */
    private static final Set<String> WRITING_OPERATIONS = Set.of("$meta-add", "$meta-delete");
    private static final String ANY = SmartScope.ANY_TYPE;
    private static final String PATIENT = "Patient";
    private static final Unrestricted UNRESTRICTED = new Unrestricted();

    private FhirRequestClassifier() {
    }

    /** {@link #classify(String, String, Map, String)} for a request without {@code If-None-Exist}. */
    public static Classification classify(String method, String relativePath, Map<String, List<String>> query) {
        return classify(method, relativePath, query, null);
    }

    /**
     * @param method the HTTP method, case-sensitive ({@code GET}, {@code HEAD}, {@code POST}, {@code PUT},
     *        {@code PATCH}, {@code DELETE})
     * @param relativePath the path below the FHIR base, without leading slash; {@code ""} for the base
     * @param query the decoded query parameters (for a POST {@code _search}, merged with the form body); may be null
     * @param ifNoneExist the raw {@code If-None-Exist} header, or null when absent; only used by {@code POST [type]}
     */
    public static Classification classify(String method, String relativePath, Map<String, List<String>> query,
            String ifNoneExist) {
        if (method == null || relativePath == null) {
            return new Refused("no method or path");
        }
        String verb = switch (method) {
            case "GET", "HEAD" -> "GET";
            case "POST", "PUT", "PATCH", "DELETE" -> method;
            default -> null;
        };
        if (verb == null) {
            return new Refused("unsupported HTTP method");
        }
        Optional<List<String>> segments = segments(relativePath);
        if (segments.isEmpty()) {
            return new Refused("malformed path");
        }
        return route(verb, segments.get(), QueryStrings.freeze(query), ifNoneExist);
    }

    /**
     * Classifies one entry of a batch or transaction Bundle by its {@code request.method} and {@code request.url}
     * (relative, with its query). A nested batch or transaction ({@code POST} to the base), absolute URLs and
     * percent-encoded paths are refused.
     */
    public static Classification classifyBundleEntry(String method, String url) {
        return classifyBundleEntry(method, url, null);
    }

    /** As {@link #classifyBundleEntry(String, String)}, with the entry's {@code request.ifNoneExist}. */
    public static Classification classifyBundleEntry(String method, String url, String ifNoneExist) {
        if (url == null || url.indexOf('#') >= 0) {
            return new Refused("malformed Bundle entry URL");
        }
        int questionMark = url.indexOf('?');
        String path = questionMark < 0 ? url : url.substring(0, questionMark);
        String rawQuery = questionMark < 0 ? "" : url.substring(questionMark + 1);
        if (path.isEmpty() && "POST".equals(method)) {
            return new Refused("a batch or transaction may not contain another one");
        }
        if (path.indexOf('%') >= 0) {
            return new Refused("percent-encoded path in a Bundle entry");
        }
        Optional<Map<String, List<String>>> query = QueryStrings.parseRequestQuery(rawQuery);
        if (query.isEmpty()) {
            return new Refused("malformed query in a Bundle entry");
        }
        Classification result = classify(method, path, query.get(), ifNoneExist);
        return result instanceof NeedsBody ? new Refused("a batch or transaction may not contain another one")
                : result;
    }

    // The grammar of path segments, as loops: a call is classified on every proxied request.

    /** {@code [A-Z][A-Za-z]+}: a resource type's shape. */
    static boolean isType(String segment) {
        int length = segment.length();
        if (length < 2 || !upper(segment.charAt(0))) {
            return false;
        }
        for (int i = 1; i < length; i++) {
            if (!letter(segment.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9\-.]{1,64}}: a FHIR id. */
    static boolean isId(String segment) {
        int length = segment.length();
        if (length < 1 || length > 64) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = segment.charAt(i);
            if (!letter(c) && !digit(c) && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** {@code \$[A-Za-z][A-Za-z0-9_\-]*}: an operation name. */
    static boolean isOperation(String segment) {
        int length = segment.length();
        if (length < 2 || segment.charAt(0) != '$' || !letter(segment.charAt(1))) {
            return false;
        }
        for (int i = 2; i < length; i++) {
            char c = segment.charAt(i);
            if (!letter(c) && !digit(c) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean upper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean letter(char c) {
        return upper(c) || (c >= 'a' && c <= 'z');
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static Optional<List<String>> segments(String path) {
        if (path.isEmpty()) {
            return Optional.of(List.of());
        }
        List<String> segments = List.of(path.split("/", -1));
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return Optional.empty();
            }
        }
        return Optional.of(segments);
    }

    private static Classification route(String method, List<String> s, Map<String, List<String>> query,
            String ifNoneExist) {
        if (s.isEmpty()) {
            return switch (method) {
                case "GET" -> search(FhirInteraction.SEARCH_SYSTEM, ANY, null, query);
                case "POST" -> new NeedsBody();
                default -> new Refused(method + " on the base is not a FHIR interaction");
            };
        }
        String first = s.get(0);
        if (s.size() == 1) {
            switch (first) {
                case "metadata":
                    return method.equals("GET") ? UNRESTRICTED : new Refused("metadata is read-only");
                case "_history":
                    return method.equals("GET") ? access(FhirInteraction.HISTORY_SYSTEM, ANY, null, null, query,
                            new RequiredPermission(ANY, Interaction.SEARCH)) : new Refused("history is read-only");
                case "_search":
                    return method.equals("POST") ? search(FhirInteraction.SEARCH_SYSTEM, ANY, null, query)
                            : new Refused("_search takes POST");
                default:
                    break;
            }
            if (isOperation(first)) {
                return operation(method, FhirInteraction.OPERATION_SYSTEM, first, ANY, null, query);
            }
        }
        if (!isType(first)) {
            return new Refused("not a resource type, metadata, _history, _search or an operation");
        }
        return switch (s.size()) {
            case 1 -> onType(method, first, query, ifNoneExist);
            case 2 -> onTypeAnd(method, first, s.get(1), query);
            case 3 -> onInstanceAnd(method, first, s.get(1), s.get(2), query);
            case 4 -> onFourSegments(method, s, query);
            case 5 -> onVersionOperation(method, s, query);
            default -> new Refused("path longer than any FHIR interaction");
        };
    }

    /** {@code [type]}: search, create, and the conditional update, patch and delete. */
    private static Classification onType(String method, String type, Map<String, List<String>> query,
            String ifNoneExist) {
        switch (method) {
            case "GET":
                return search(FhirInteraction.SEARCH_TYPE, type, null, query);
            case "POST":
                if (ifNoneExist == null) {
                    return access(FhirInteraction.CREATE, type, null, null, query,
                            new RequiredPermission(type, Interaction.CREATE));
                }
                String criteria = ifNoneExist.startsWith("?") ? ifNoneExist.substring(1) : ifNoneExist;
                Optional<Map<String, List<String>>> parsed = QueryStrings.parseRequestQuery(criteria.trim());
                if (parsed.isEmpty() || parsed.get().isEmpty()) {
                    return new Refused("malformed or empty If-None-Exist");
                }
                return access(FhirInteraction.CONDITIONAL_CREATE, type, null, null, parsed.get(),
                        new RequiredPermission(type, Interaction.CREATE),
                        new RequiredPermission(type, Interaction.SEARCH));
            case "PUT":
                return conditional(FhirInteraction.CONDITIONAL_UPDATE, Interaction.UPDATE, type, query);
            case "PATCH":
                return conditional(FhirInteraction.CONDITIONAL_PATCH, Interaction.UPDATE, type, query);
            case "DELETE":
                return conditional(FhirInteraction.CONDITIONAL_DELETE, Interaction.DELETE, type, query);
            default:
                return new Refused("unsupported HTTP method");
        }
    }

    private static Classification conditional(FhirInteraction interaction, Interaction change, String type,
            Map<String, List<String>> query) {
        if (query.isEmpty()) {
            return new Refused(interaction + " on a type needs search criteria");
        }
        return access(interaction, type, null, null, query, new RequiredPermission(type, change),
                new RequiredPermission(type, Interaction.SEARCH));
    }

    /** {@code [type]/_history}, {@code [type]/_search}, {@code [type]/$op}, {@code [type]/[id]}. */
    private static Classification onTypeAnd(String method, String type, String second,
            Map<String, List<String>> query) {
        if (second.equals("_history")) {
            return method.equals("GET") ? access(FhirInteraction.HISTORY_TYPE, type, null, null, query,
                    new RequiredPermission(type, Interaction.SEARCH)) : new Refused("history is read-only");
        }
        if (second.equals("_search")) {
            return method.equals("POST") ? search(FhirInteraction.SEARCH_TYPE, type, null, query)
                    : new Refused("_search takes POST");
        }
        if (isOperation(second)) {
            return operation(method, FhirInteraction.OPERATION_TYPE, second, type, null, query);
        }
        if (!isId(second)) {
            return new Refused("not a resource id");
        }
        String patient = patientOf(type, second);
        return switch (method) {
            case "GET" -> access(FhirInteraction.READ, type, second, patient, query,
                    new RequiredPermission(type, Interaction.READ));
            case "PUT" -> access(FhirInteraction.UPDATE, type, second, patient, query,
                    new RequiredPermission(type, Interaction.UPDATE));
            case "PATCH" -> access(FhirInteraction.PATCH, type, second, patient, query,
                    new RequiredPermission(type, Interaction.UPDATE));
            case "DELETE" -> access(FhirInteraction.DELETE, type, second, patient, query,
                    new RequiredPermission(type, Interaction.DELETE));
            default -> new Refused("POST to an instance is not a FHIR interaction");
        };
    }

    /** {@code [type]/[id]/_history}, {@code [type]/[id]/$op}, compartment searches. */
    private static Classification onInstanceAnd(String method, String type, String id, String third,
            Map<String, List<String>> query) {
        if (!isId(id)) {
            return new Refused("not a resource id");
        }
        String patient = patientOf(type, id);
        if (third.equals("_history")) {
            return method.equals("GET") ? access(FhirInteraction.HISTORY_INSTANCE, type, id, patient, query,
                    new RequiredPermission(type, Interaction.READ)) : new Refused("history is read-only");
        }
        if (isOperation(third)) {
            return operation(method, FhirInteraction.OPERATION_INSTANCE, third, type, id, query);
        }
        if (!COMPARTMENTS.contains(type)) {
            return new Refused(type + " is not a compartment");
        }
        if (third.equals("_search")) {
            return method.equals("POST") ? search(FhirInteraction.SEARCH_COMPARTMENT, ANY, patient, query)
                    : new Refused("_search takes POST");
        }
        if (third.equals(ANY) || isType(third)) {
            return method.equals("GET") ? search(FhirInteraction.SEARCH_COMPARTMENT, third, patient, query)
                    : new Refused("compartment search takes GET");
        }
        return new Refused("not a history, operation or compartment search");
    }

    /** {@code [type]/[id]/_history/[vid]} and {@code [C]/[id]/[type]/_search}. */
    private static Classification onFourSegments(String method, List<String> s, Map<String, List<String>> query) {
        String type = s.get(0);
        String id = s.get(1);
        if (!isId(id)) {
            return new Refused("not a resource id");
        }
        String patient = patientOf(type, id);
        if (s.get(2).equals("_history") && isId(s.get(3))) {
            return method.equals("GET") ? access(FhirInteraction.VREAD, type, id, patient, query,
                    new RequiredPermission(type, Interaction.READ)) : new Refused("history is read-only");
        }
        if (COMPARTMENTS.contains(type) && isType(s.get(2)) && s.get(3).equals("_search")) {
            return method.equals("POST") ? search(FhirInteraction.SEARCH_COMPARTMENT, s.get(2), patient, query)
                    : new Refused("_search takes POST");
        }
        return new Refused("not a version read or compartment search");
    }

    /** {@code [type]/[id]/_history/[vid]/$op}. */
    private static Classification onVersionOperation(String method, List<String> s, Map<String, List<String>> query) {
        if (!isId(s.get(1)) || !s.get(2).equals("_history") || !isId(s.get(3))
                || !isOperation(s.get(4))) {
            return new Refused("not an operation on a version");
        }
        return operation(method, FhirInteraction.OPERATION_INSTANCE, s.get(4), s.get(0), s.get(1), query);
    }

    private static Classification operation(String method, FhirInteraction level, String name, String type,
            String id, Map<String, List<String>> query) {
        if (!method.equals("GET") && !method.equals("POST")) {
            return new Refused("operations take GET or POST");
        }
        List<RequiredPermission> required = new ArrayList<>();
        required.add(new RequiredPermission(type, id == null ? Interaction.SEARCH : Interaction.READ));
        if (WIDE_OPERATIONS.contains(name)) {
            required.add(new RequiredPermission(ANY, Interaction.SEARCH));
        }
        if (id != null && WRITING_OPERATIONS.contains(name)) {
            required.add(new RequiredPermission(type, Interaction.UPDATE));
        }
        return new Access(required, id == null ? null : patientOf(type, id), level, type, id, query);
    }

    /** A search on {@code type}, widened to the {@code _type} list for {@code *}, plus what it includes. */
    private static Classification search(FhirInteraction interaction, String type, String compartmentPatientId,
            Map<String, List<String>> query) {
        Optional<List<String>> types = type.equals(ANY) ? SearchReach.searchedTypes(query)
                : Optional.of(List.of(type));
        if (types.isEmpty()) {
            return new Refused("malformed _type");
        }
        Optional<List<RequiredPermission>> includes = SearchReach.includes(query);
        if (includes.isEmpty()) {
            return new Refused("malformed _include or _revinclude");
        }
        List<RequiredPermission> required = new ArrayList<>();
        types.get().forEach(t -> required.add(new RequiredPermission(t, Interaction.SEARCH)));
        required.addAll(includes.get());
        return new Access(required, compartmentPatientId, interaction, type, null, query);
    }

    private static Access access(FhirInteraction interaction, String type, String id, String compartmentPatientId,
            Map<String, List<String>> criteria, RequiredPermission... required) {
        return new Access(List.of(required), compartmentPatientId, interaction, type, id, criteria);
    }

    private static String patientOf(String type, String id) {
        return type.equals(PATIENT) ? id : null;
    }
}
