package org.smartbff.smart;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What smart-bff accepts from a SMART server into a session: the grammar and size of every token, launch context
 * member and identity claim. A server may be compromised or misconfigured, so what it sends passes the same checks as
 * what a browser sends before it is stored, logged or shown to the SPA by {@code /auth/session}. Pure: each check
 * returns normally or throws a {@link ServerDataException} naming the member.
 *
 * <p>
 * The bounds are generous for real servers (an Azure AD access token with many groups is under 8 KB; SMART launch
 * context is a handful of ids) and small enough that a session record stays a few KB.
 */
public final class ServerDataRules {

    /** The raw token response body. */
    public static final int MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
    /** Access and refresh tokens, each. */
    public static final int MAX_TOKEN_LENGTH = 16 * 1024;
    /** The compact id token. */
    public static final int MAX_ID_TOKEN_LENGTH = 16 * 1024;
    /** The granted scope string. */
    public static final int MAX_SCOPE_LENGTH = 4096;
    /** The launch context as JSON (every member but the tokens). */
    public static final int MAX_CONTEXT_LENGTH = 16 * 1024;
    public static final int MAX_CONTEXT_MEMBERS = 64;
    public static final int MAX_MEMBER_NAME_LENGTH = 64;
    /** Entries of {@code fhirContext}. */
    public static final int MAX_FHIR_CONTEXT_ITEMS = 32;
    /** {@code tenant}, {@code intent}, a {@code fhirContext} role, the user's {@code name}. */
    public static final int MAX_TEXT_LENGTH = 256;
    /** OpenID Connect Core 2: {@code sub} is at most 255 ASCII characters. */
    public static final int MAX_SUBJECT_LENGTH = 255;
    /** {@code expires_in} and {@code refresh_expires_in}: ten years is already no expiry. */
    public static final long MAX_EXPIRES_IN_SECONDS = 10L * 366 * 24 * 3600;

    private ServerDataRules() {
    }

    /** Tokens and token metadata of a token response, then its launch context. */
    public static void checkTokenResponse(TokenResponse response) {
        token("access_token", response.accessToken());
        if (response.refreshToken() != null) {
            token("refresh_token", response.refreshToken());
        }
        if (response.idToken() != null) {
            checkIdTokenLength(response.idToken());
        }
        if (response.scope() != null && (response.scope().length() > MAX_SCOPE_LENGTH
                || !ServerText.isPrintableAscii(response.scope()))) {
            throw new ServerDataException("scope", "is not a list of scopes in printable ASCII under 4 KB");
        }
        lifetime("expires_in", response.expiresIn());
        lifetime("refresh_expires_in", response.refreshExpiresIn());
        checkContext(response.context());
    }

    /** Before the id token is parsed at all. */
    public static void checkIdTokenLength(String idToken) {
        if (idToken.length() > MAX_ID_TOKEN_LENGTH) {
            throw new ServerDataException("id_token", "is longer than " + MAX_ID_TOKEN_LENGTH + " characters");
        }
    }

    private static void token(String name, String token) {
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new ServerDataException(name, "is longer than " + MAX_TOKEN_LENGTH + " characters");
        }
        // RFC 6749 appendix A.12/A.17: VSCHAR. Anything else could not be sent back in a header or form anyway.
        if (!ServerText.isPrintableAscii(token)) {
            throw new ServerDataException(name, "holds characters outside printable ASCII");
        }
    }

    private static void lifetime(String name, Long seconds) {
        if (seconds != null && (seconds < 0 || seconds > MAX_EXPIRES_IN_SECONDS)) {
            throw new ServerDataException(name, "is not a number of seconds between 0 and ten years");
        }
    }

    /**
     * The SMART launch context: {@code patient}, {@code encounter} FHIR ids; {@code fhirContext} an array of references
     * (SMART 2.0 strings, or 2.1 objects with {@code reference}, {@code canonical}, {@code identifier}, {@code type},
     * {@code role}); {@code need_patient_banner} a boolean; {@code smart_style_url} an http(s) URL; {@code tenant} and
     * {@code intent} short printable text. Other members are kept within the overall bounds. JSON null counts as
     * absent.
     */
    public static void checkContext(ObjectNode context) {
        if (context.size() > MAX_CONTEXT_MEMBERS) {
            throw new ServerDataException("context", "has more than " + MAX_CONTEXT_MEMBERS + " members");
        }
        if (context.toString().length() > MAX_CONTEXT_LENGTH) {
            throw new ServerDataException("context", "is larger than " + MAX_CONTEXT_LENGTH + " characters");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = context.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            String name = member.getKey();
            JsonNode value = member.getValue();
            if (name.isEmpty() || name.length() > MAX_MEMBER_NAME_LENGTH || !ServerText.isVisibleAscii(name)) {
                throw new ServerDataException("context", "has a member name that is not short printable ASCII");
            }
            if (value.isNull()) {
                continue;
            }
            switch (name) {
                case "patient", "encounter" -> {
                    if (!value.isTextual() || !FhirReferences.isId(value.asText())) {
                        throw new ServerDataException(name, "is not a FHIR id ([A-Za-z0-9-.]{1,64})");
                    }
                }
                case "fhirContext" -> fhirContext(value);
                case "need_patient_banner" -> {
                    if (!value.isBoolean()) {
                        throw new ServerDataException(name, "is not a boolean");
                    }
                }
                case "smart_style_url" -> {
                    if (!value.isTextual() || !FhirReferences.isHttpUrl(value.asText())) {
                        throw new ServerDataException(name, "is not an absolute http(s) URL");
                    }
                }
                case "tenant", "intent" -> shortText(name, value);
                default -> {
                    // Another member (a vendor's): kept as it came, within the bounds checked above.
                }
            }
        }
    }

    private static void fhirContext(JsonNode value) {
        if (!value.isArray()) {
            throw new ServerDataException("fhirContext", "is not an array");
        }
        if (value.size() > MAX_FHIR_CONTEXT_ITEMS) {
            throw new ServerDataException("fhirContext", "has more than " + MAX_FHIR_CONTEXT_ITEMS + " entries");
        }
        for (JsonNode item : value) {
            if (item.isTextual()) {
                // SMART App Launch 2.0.0: an array of relative references.
                if (!FhirReferences.isRelativeReference(item.asText())) {
                    throw new ServerDataException("fhirContext", "holds a reference that is not Type/id");
                }
            } else if (item.isObject()) {
                fhirContextObject(item);
            } else {
                throw new ServerDataException("fhirContext", "holds an entry that is neither a reference nor an object");
            }
        }
    }

    private static void fhirContextObject(JsonNode item) {
        JsonNode reference = item.get("reference");
        JsonNode canonical = item.get("canonical");
        JsonNode identifier = item.get("identifier");
        if (reference == null && canonical == null && identifier == null) {
            throw new ServerDataException("fhirContext", "holds an entry without reference, canonical or identifier");
        }
        if (reference != null && (!reference.isTextual() || !FhirReferences.isRelativeReference(reference.asText()))) {
            throw new ServerDataException("fhirContext", "holds a reference that is not Type/id");
        }
        if (canonical != null && (!canonical.isTextual() || !canonical(canonical.asText()))) {
            throw new ServerDataException("fhirContext", "holds a canonical that is not an absolute URL");
        }
        if (identifier != null && !identifier.isObject()) {
            throw new ServerDataException("fhirContext", "holds an identifier that is not an object");
        }
        JsonNode type = item.get("type");
        if (type != null && (!type.isTextual() || !FhirReferences.isType(type.asText()))) {
            throw new ServerDataException("fhirContext", "holds a type that is not a FHIR resource type");
        }
        JsonNode role = item.get("role");
        if (role != null && (!role.isTextual() || role.asText().isEmpty() || role.asText().length() > MAX_TEXT_LENGTH
                || !ServerText.isVisibleAscii(role.asText()))) {
            throw new ServerDataException("fhirContext", "holds a role that is not a short URI");
        }
    }

    /** A canonical URL, {@code url|version} allowed: http(s) or urn, printable ASCII. */
    private static boolean canonical(String value) {
        int bar = value.indexOf('|');
        String url = bar >= 0 ? value.substring(0, bar) : value;
        return FhirReferences.isHttpUrl(url) || (url.startsWith("urn:") && url.length() <= FhirReferences.MAX_URL_LENGTH
                && ServerText.isVisibleAscii(value));
    }

    private static void shortText(String name, JsonNode value) {
        if (!value.isTextual() || value.asText().isEmpty() || value.asText().length() > MAX_TEXT_LENGTH
                || !ServerText.isPrintableAscii(value.asText())) {
            throw new ServerDataException(name, "is not printable text of at most " + MAX_TEXT_LENGTH + " characters");
        }
    }

    /**
     * The identity a session keeps from an id token: {@code sub} present, printable, at most 255 characters;
     * {@code fhirUser} absent or a reference to a Patient, Practitioner, RelatedPerson or Person
     * ({@link FhirReferences#isFhirUser}); {@code name} absent or plain text of at most 256 characters.
     */
    public static void checkIdentity(IdTokenClaims claims) {
        String subject = claims.subject();
        if (subject == null || subject.isEmpty() || subject.length() > MAX_SUBJECT_LENGTH
                || !ServerText.isPrintableAscii(subject)) {
            throw new ServerDataException("sub", "is missing or not printable ASCII of at most 255 characters");
        }
        if (claims.fhirUser() != null && !FhirReferences.isFhirUser(claims.fhirUser())) {
            throw new ServerDataException("fhirUser",
                    "is not a relative or http(s) reference to a Patient, Practitioner, RelatedPerson or Person");
        }
        if (claims.name() != null && (claims.name().length() > MAX_TEXT_LENGTH || !ServerText.isPlainText(claims.name()))) {
            throw new ServerDataException("name", "is not plain text of at most " + MAX_TEXT_LENGTH + " characters");
        }
    }
}
