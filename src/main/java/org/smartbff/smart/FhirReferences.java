package org.smartbff.smart;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The grammar of the FHIR ids and references a SMART server hands over as launch context and identity. Pure: no I/O,
 * no state.
 */
public final class FhirReferences {

    /** FHIR R4 {@code id}: 1 to 64 letters, digits, '-' and '.'. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    /** A FHIR resource type name (R4 types are 2 to 34 letters; a little room for later ones). */
    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z]{1,63}");
    /** The types a {@code fhirUser} may name (SMART App Launch 2, "fhirUser"). */
    public static final Set<String> USER_TYPES = Set.of("Patient", "Practitioner", "RelatedPerson", "Person");
    /** Longest absolute URL accepted from a server. */
    public static final int MAX_URL_LENGTH = 2048;

    private FhirReferences() {
    }

    public static boolean isId(String value) {
        return value != null && ID.matcher(value).matches();
    }

    public static boolean isType(String value) {
        return value != null && TYPE.matcher(value).matches();
    }

    /** {@code Type/id}, nothing before or after: no base, no {@code ..}, no query, no history. */
    public static boolean isRelativeReference(String value) {
        if (value == null) {
            return false;
        }
        int slash = value.indexOf('/');
        return slash > 0 && isType(value.substring(0, slash)) && isId(value.substring(slash + 1));
    }

    /**
     * A {@code fhirUser}: {@code Type/id} with Type one of {@link #USER_TYPES}, or an absolute http(s) URL without
     * user info, query or fragment whose path ends with such a {@code /Type/id}.
     */
    public static boolean isFhirUser(String value) {
        if (value == null) {
            return false;
        }
        if (isUserReference(value)) {
            return true;
        }
        URI uri = absoluteHttpUrl(value);
        if (uri == null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawPath() == null) {
            return false;
        }
        String path = uri.getRawPath();
        int idSlash = path.lastIndexOf('/');
        int typeSlash = idSlash > 0 ? path.lastIndexOf('/', idSlash - 1) : -1;
        return typeSlash >= 0 && isUserReference(path.substring(typeSlash + 1));
    }

    private static boolean isUserReference(String value) {
        int slash = value.indexOf('/');
        return isRelativeReference(value) && USER_TYPES.contains(value.substring(0, slash));
    }

    /** Whether this is an absolute {@code http} or {@code https} URL with a host, in printable ASCII, not too long. */
    public static boolean isHttpUrl(String value) {
        return absoluteHttpUrl(value) != null;
    }

    private static URI absoluteHttpUrl(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_URL_LENGTH || !ServerText.isVisibleAscii(value)) {
            return null;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean http = scheme.equals("http") || scheme.equals("https");
            return http && uri.getHost() != null && !uri.getHost().isEmpty() && uri.getRawUserInfo() == null ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
