package org.smartbff.web;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The one place where the {@code /auth} endpoints' query parameters are read strictly: a request that gives any
 * parameter more than once is refused with 400 before an endpoint sees it. RFC 6749 section 3.1 says request and
 * response parameters MUST NOT be included more than once; a reader that silently takes the first (or the last) value
 * lets an attacker smuggle a second {@code iss}, {@code state} or {@code code} past one check and into another. Names
 * are compared after percent-decoding, so {@code %69ss} is {@code iss}.
 *
 * <p>
 * Every parameter counts, also ones the endpoint does not read: a response carrying a parameter twice is malformed
 * whatever the parameter. Navigation endpoints answer an HTML page (or JSON when only JSON is accepted), the
 * {@code fetch} endpoints (those producing JSON) JSON, as every other {@code /auth} error.
 */
public class SingleValuedParameters {

    @ServerRequestFilter
    public Optional<Response> refuseRepeated(UriInfo uri, ResourceInfo resource, HttpHeaders headers) {
        if (resource.getResourceClass() != AuthResource.class) {
            return Optional.empty();
        }
        return repeated(uri.getQueryParameters()).map(name -> {
            String description = "The parameter '" + name + "' was given more than once; each may appear only once.";
            return fetchEndpoint(resource)
                    ? ErrorResponses.json(400, "invalid_request", description)
                    : ErrorResponses.forCaller(headers, 400, "invalid_request", description);
        });
    }

    /** The first parameter name that has more than one value, cut to printable ASCII for a page or a log. */
    static Optional<String> repeated(Map<String, List<String>> parameters) {
        return parameters.entrySet().stream().filter(parameter -> parameter.getValue().size() > 1)
                .map(parameter -> printable(parameter.getKey())).findFirst();
    }

    private static boolean fetchEndpoint(ResourceInfo resource) {
        Produces produces = resource.getResourceMethod().getAnnotation(Produces.class);
        return produces != null && List.of(produces.value()).contains(MediaType.APPLICATION_JSON);
    }

    private static String printable(String name) {
        String printable = name.replaceAll("[^\\x21-\\x7E]", "?");
        return printable.length() > 64 ? printable.substring(0, 64) + "..." : printable;
    }
}
