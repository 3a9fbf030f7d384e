package org.smartbff.testsupport.fake;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Searches over the sample Bundles of {@code src/test/resources/fhir}, answered as a real server would: {@code patient}
 * and {@code category} filter, {@code _sort=date|-date} sorts, and {@code _count} pages, with {@code next} and
 * {@code previous} links of the form {@code {fhirBase}?_getpages=...} (the spelling of the captured sample) that a
 * later request follows. Enough for a browser to page through a search behind the proxy. Touched under the fake's lock.
 */
final class Searches {

    /** The base the sample FHIR files were captured from; rewritten to the fake's own when served. */
    private static final String SAMPLE_FHIR_BASE = "http://127.0.0.1:8088/fhir";

    private final Identity identity;
    /** The sample searchsets by resource type: Observation captured from a real server, the others hand-written. */
    private final Map<String, String> samples = Map.of(
            "Observation", classpathResource("/fhir/Observation-searchset.json"),
            "Condition", classpathResource("/fhir/Condition-searchset.json"),
            "MedicationRequest", classpathResource("/fhir/MedicationRequest-searchset.json"));
    /** The matches of each paged search, by the id its {@code _getpages} links carry. */
    private final Map<String, List<JsonObject>> searches = new HashMap<>();

    Searches(Identity identity) {
        this.identity = identity;
    }

    void reset() {
        searches.clear();
    }

    /** A GET of {@code type}'s search, or null when there is no sample of that type. */
    Outcome.Reply search(String type, String rawQuery, Map<String, String> query) {
        String sample = samples.get(type);
        if (sample == null) {
            return null;
        }
        // Point the bundle's absolute links (fullUrl, self/next) at this server.
        String bundle = sample.replace(SAMPLE_FHIR_BASE, identity.fhirBase());
        if (type.equals("Observation")
                && !query.containsKey("_count") && !query.containsKey("category") && !query.containsKey("_sort")) {
            return new Outcome.Reply(200, Map.of("Content-Type", Outcome.FHIR_JSON), bundle); // as captured, byte for byte
        }
        String patient = query.get("patient");
        String category = query.get("category");
        List<JsonObject> matches = new ArrayList<>();
        for (Object item : new JsonObject(bundle).getJsonArray("entry", new JsonArray())) {
            JsonObject entry = (JsonObject) item;
            JsonObject resource = entry.getJsonObject("resource");
            if ((patient == null || isAboutPatient(resource, patient))
                    && (category == null || hasCategory(resource, category))) {
                matches.add(entry);
            }
        }
        String sort = query.get("_sort");
        if ("date".equals(sort) || "-date".equals(sort)) {
            Comparator<JsonObject> byDate = Comparator.comparing(entry -> clinicalDate(entry.getJsonObject("resource")));
            matches.sort("-date".equals(sort) ? byDate.reversed() : byDate);
        }
        String id = Forms.randomToken();
        searches.put(id, List.copyOf(matches));
        String self = identity.fhirBase() + "/" + type + (rawQuery.isEmpty() ? "" : "?" + rawQuery);
        return page(id, 0, intParameter(query, "_count", Integer.MAX_VALUE), self);
    }

    /** {@code GET {fhirBase}?_getpages=id&_getpagesoffset=n&_count=n}. */
    Outcome.Reply page(Map<String, String> query) {
        return page(query.get("_getpages"), intParameter(query, "_getpagesoffset", 0),
                intParameter(query, "_count", Integer.MAX_VALUE), null);
    }

    private Outcome.Reply page(String id, int offset, int count, String self) {
        List<JsonObject> matches = searches.get(id);
        if (matches == null) {
            return Outcome.operationOutcome(404, "not-found", "search " + id + " is not known (or the fake was reset)");
        }
        int size = Math.max(1, count);
        int from = Math.min(Math.max(0, offset), matches.size());
        int to = (int) Math.min((long) from + size, matches.size());
        JsonArray links = new JsonArray().add(link("self", self != null ? self : pageUrl(id, from, size)));
        if (to < matches.size()) {
            links.add(link("next", pageUrl(id, to, size)));
        }
        if (from > 0) {
            links.add(link("previous", pageUrl(id, Math.max(0, from - size), size)));
        }
        JsonObject bundle = new JsonObject()
                .put("resourceType", "Bundle")
                .put("id", id)
                .put("type", "searchset")
                .put("total", matches.size())
                .put("link", links)
                .put("entry", new JsonArray(new ArrayList<>(matches.subList(from, to))));
        return new Outcome.Reply(200, Map.of("Content-Type", Outcome.FHIR_JSON), bundle.encode());
    }

    private String pageUrl(String id, int offset, int count) {
        return identity.fhirBase() + "?_getpages=" + id + "&_getpagesoffset=" + offset + "&_count=" + count
                + "&_bundletype=searchset";
    }

    private static JsonObject link(String relation, String url) {
        return new JsonObject().put("relation", relation).put("url", url);
    }

    /** {@code patient=123} or {@code patient=Patient/123} against {@code subject.reference}. */
    private static boolean isAboutPatient(JsonObject resource, String patient) {
        String wanted = patient.startsWith("Patient/") ? patient : "Patient/" + patient;
        JsonObject subject = resource.getJsonObject("subject");
        return subject != null && wanted.equals(subject.getString("reference"));
    }

    /** {@code category=code} or {@code category=system|code} against any coding of {@code category}. */
    private static boolean hasCategory(JsonObject resource, String category) {
        String code = category.substring(category.indexOf('|') + 1);
        for (Object concept : resource.getJsonArray("category", new JsonArray())) {
            for (Object coding : ((JsonObject) concept).getJsonArray("coding", new JsonArray())) {
                if (code.equals(((JsonObject) coding).getString("code"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The date {@code _sort=date} means for the sample types; ISO strings with one offset sort as text. */
    private static String clinicalDate(JsonObject resource) {
        for (String field : List.of("effectiveDateTime", "authoredOn", "recordedDate", "onsetDateTime")) {
            String value = resource.getString(field);
            if (value != null) {
                return value;
            }
        }
        return "";
    }

    private static int intParameter(Map<String, String> query, String name, int fallback) {
        try {
            return query.containsKey(name) ? Integer.parseInt(query.get(name)) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static String classpathResource(String name) {
        try (InputStream in = Searches.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
