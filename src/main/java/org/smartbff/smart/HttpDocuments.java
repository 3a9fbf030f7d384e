package org.smartbff.smart;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;

import io.quarkus.rest.client.reactive.Url;
import io.smallrye.mutiny.Uni;

/** Fetches a document at an absolute URL: discovery documents, CapabilityStatements, JWK sets. */
public interface HttpDocuments {

    @GET
    Uni<String> get(@Url String url, @HeaderParam("Accept") String accept);
}
