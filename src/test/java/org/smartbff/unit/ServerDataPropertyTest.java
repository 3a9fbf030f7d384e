package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.smartbff.smart.FhirReferences;
import org.smartbff.smart.IdTokenClaims;
import org.smartbff.smart.ServerDataException;
import org.smartbff.smart.ServerDataRules;
import org.smartbff.smart.TokenEndpointException;
import org.smartbff.smart.TokenResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of what smart-bff lets in from a server: whatever a server sends, a value that passes is one the SPA and
 * the logs can take as it is, and a value that fails is refused with a {@link ServerDataException}, never another
 * exception. Seeded, so a run is repeatable.
 */
class ServerDataPropertyTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ID_CHARS = "abcXYZ019-.";
    private static final Set<String> SMART_MEMBERS = Set.of("patient", "encounter", "fhirContext",
            "need_patient_banner", "smart_style_url", "tenant", "intent");

    /** Strings that are mostly near the grammar: pieces of references, URLs and hostile text, glued at random. */
    @Provide
    Arbitrary<String> hostileText() {
        Arbitrary<String> pieces = Arbitraries.of("Patient", "Practitioner", "Person", "RelatedPerson", "Observation",
                "/", "//", "..", ".", "-", "1", "abc", "https:", "http:", "javascript:", "data:", "//evil.example",
                "ehr.example", ":8080", "?", "#", "@", "%2F", "\\", " ", "\t", "\n", "\u0000", "\u202E", "é", "|",
                "_history", "urn:", "<script>", "\"", "'", "a".repeat(70));
        return Arbitraries.oneOf(pieces.list().ofMaxSize(8).map(list -> String.join("", list)),
                Arbitraries.strings().ofMaxLength(80));
    }

    @Provide
    Arbitrary<String> fhirIds() {
        return Arbitraries.strings().withChars(ID_CHARS).ofMinLength(1).ofMaxLength(64);
    }

    @Property(tries = 400, seed = "20261205")
    void an_accepted_fhir_user_is_a_person_reference_and_nothing_else(@ForAll("hostileText") String candidate) {
        if (!FhirReferences.isFhirUser(candidate)) {
            return;
        }
        assertTrue(candidate.chars().allMatch(c -> c > 0x20 && c < 0x7f), candidate);
        String reference = candidate;
        if (!FhirReferences.isRelativeReference(candidate)) {
            URI uri = URI.create(candidate);
            assertTrue(Set.of("http", "https").contains(uri.getScheme().toLowerCase()), candidate);
            assertTrue(uri.getHost() != null && uri.getQuery() == null && uri.getFragment() == null, candidate);
            String[] segments = uri.getRawPath().split("/");
            reference = segments[segments.length - 2] + "/" + segments[segments.length - 1];
        }
        String[] typeAndId = reference.split("/");
        assertEquals(2, typeAndId.length, candidate);
        assertTrue(FhirReferences.USER_TYPES.contains(typeAndId[0]), candidate);
        assertTrue(FhirReferences.isId(typeAndId[1]), candidate);
    }

    @Property(tries = 300, seed = "20261205")
    void every_person_reference_is_accepted_relative_and_absolute(@ForAll("fhirIds") String id,
            @ForAll("userTypes") String type, @ForAll("bases") String base) {
        assertTrue(FhirReferences.isFhirUser(type + "/" + id));
        assertTrue(FhirReferences.isFhirUser(base + "/" + type + "/" + id), base + "/" + type + "/" + id);
    }

    @Provide
    Arbitrary<String> userTypes() {
        return Arbitraries.of(FhirReferences.USER_TYPES);
    }

    @Provide
    Arbitrary<String> bases() {
        Arbitrary<String> paths = Arbitraries.strings().withChars("abz09-").ofMinLength(1).ofMaxLength(10).list()
                .ofMaxSize(3).map(segments -> segments.isEmpty() ? "" : "/" + String.join("/", segments));
        return Combinators.combine(Arbitraries.of("http", "https", "HTTPS"), Arbitraries.of("ehr.example", "127.0.0.1",
                "fhir.epic.example:8443"), paths).as((scheme, host, path) -> scheme + "://" + host + path);
    }

    @Property(tries = 300, seed = "20261205")
    void a_character_outside_the_id_alphabet_makes_an_id_invalid(@ForAll("fhirIds") String id,
            @ForAll("outsideIdAlphabet") char bad, @ForAll("positions") int where) {
        int at = Math.min(where, id.length());
        String broken = id.substring(0, at) + bad + id.substring(at);
        assertFalse(FhirReferences.isId(broken), broken);
        assertFalse(FhirReferences.isRelativeReference("Patient/" + broken), broken);
    }

    @Provide
    Arbitrary<Character> outsideIdAlphabet() {
        return Arbitraries.chars().filter(c -> !(Character.isLetterOrDigit(c) && c < 0x80) && c != '-' && c != '.');
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 64);
    }

    /** A launch context with the SMART members set to anything (right or wrong JSON types) and a few extras. */
    @Provide
    Arbitrary<ObjectNode> contexts() {
        Arbitrary<JsonNode> value = Arbitraries.oneOf(hostileText().map(NODES::textNode), fhirIds().map(NODES::textNode),
                Arbitraries.of(NODES.booleanNode(true), NODES.nullNode(), NODES.numberNode(7)),
                Combinators.combine(Arbitraries.of("reference", "canonical", "identifier", "type", "role"), hostileText())
                        .as((name, text) -> {
                            ArrayNode array = NODES.arrayNode();
                            array.addObject().put(name, text);
                            array.add(text);
                            return (JsonNode) array;
                        }));
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of(SMART_MEMBERS), Arbitraries.strings().ofMaxLength(70));
        return Combinators.combine(names, value).as(Map::entry).list().ofMaxSize(8).map(members -> {
            ObjectNode context = NODES.objectNode();
            members.forEach(member -> context.set(member.getKey(), member.getValue()));
            return context;
        });
    }

    @Property(tries = 300, seed = "20261205")
    void an_accepted_context_holds_only_well_formed_smart_members(@ForAll("contexts") ObjectNode context) {
        try {
            ServerDataRules.checkContext(context);
        } catch (ServerDataException refused) {
            return;
        }
        for (String id : List.of("patient", "encounter")) {
            JsonNode value = context.get(id);
            assertTrue(value == null || value.isNull() || FhirReferences.isId(value.asText()), context.toString());
        }
        JsonNode style = context.get("smart_style_url");
        assertTrue(style == null || style.isNull() || FhirReferences.isHttpUrl(style.asText()), context.toString());
        JsonNode banner = context.get("need_patient_banner");
        assertTrue(banner == null || banner.isNull() || banner.isBoolean(), context.toString());
        JsonNode fhirContext = context.get("fhirContext");
        if (fhirContext != null && !fhirContext.isNull()) {
            for (JsonNode item : fhirContext) {
                JsonNode reference = item.isTextual() ? item : item.get("reference");
                assertTrue(reference == null || FhirReferences.isRelativeReference(reference.asText()), context.toString());
            }
        }
        for (String text : List.of("tenant", "intent")) {
            JsonNode value = context.get(text);
            assertTrue(value == null || value.isNull() || value.asText().chars().allMatch(c -> c >= 0x20 && c < 0x7f),
                    context.toString());
        }
        context.fieldNames().forEachRemaining(name -> assertTrue(name.chars().allMatch(c -> c > 0x20 && c < 0x7f), name));
    }

    /** A token response: tokens of any text and length, expiries of any sign, some context. */
    @Provide
    Arbitrary<ObjectNode> tokenResponses() {
        Arbitrary<String> token = Arbitraries.oneOf(hostileText(),
                Arbitraries.integers().between(ServerDataRules.MAX_TOKEN_LENGTH - 2, ServerDataRules.MAX_TOKEN_LENGTH + 2)
                        .map("t"::repeat));
        Arbitrary<Long> expiry = Arbitraries.longs().between(-10, ServerDataRules.MAX_EXPIRES_IN_SECONDS + 10);
        return Combinators.combine(token, token.injectNull(0.3), expiry, hostileText().injectNull(0.5), contexts())
                .as((access, refresh, expiresIn, scope, context) -> {
                    ObjectNode body = context.deepCopy();
                    body.put("access_token", access).put("token_type", "Bearer").put("expires_in", expiresIn);
                    if (refresh != null) {
                        body.put("refresh_token", refresh);
                    }
                    if (scope != null) {
                        body.put("scope", scope);
                    }
                    return body;
                });
    }

    @Property(tries = 300, seed = "20261205")
    void an_accepted_token_response_has_bounded_printable_tokens(@ForAll("tokenResponses") ObjectNode body) {
        TokenResponse response;
        try {
            response = TokenResponse.parse(body);
            ServerDataRules.checkTokenResponse(response);
        } catch (ServerDataException | TokenEndpointException refused) {
            return;
        }
        for (String token : new String[] { response.accessToken(), response.refreshToken() }) {
            assertTrue(token == null || token.length() <= ServerDataRules.MAX_TOKEN_LENGTH
                    && token.chars().allMatch(c -> c >= 0x20 && c < 0x7f));
        }
        assertTrue(response.expiresIn() == null || response.expiresIn() >= 0);
        assertTrue(response.context().toString().length() <= ServerDataRules.MAX_CONTEXT_LENGTH);
    }

    @Property(tries = 300, seed = "20261205")
    void an_accepted_identity_can_be_shown_and_logged_as_it_is(@ForAll("hostileText") String subject,
            @ForAll("hostileText") String fhirUser, @ForAll("hostileText") String name) {
        IdTokenClaims claims = new IdTokenClaims("https://as.example", subject, fhirUser, name);
        try {
            ServerDataRules.checkIdentity(claims);
        } catch (ServerDataException refused) {
            return;
        }
        assertTrue(FhirReferences.isFhirUser(fhirUser));
        assertTrue(name.length() <= ServerDataRules.MAX_TEXT_LENGTH && name.chars().noneMatch(Character::isISOControl));
        assertTrue(!subject.isEmpty() && subject.length() <= ServerDataRules.MAX_SUBJECT_LENGTH);
    }
}
