package org.smartbff.smart;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;

import org.smartbff.config.SmartBffConfig;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.quarkus.rest.client.reactive.Url;
import io.smallrye.mutiny.Uni;

/** Fetches a document at an absolute URL: discovery documents, CapabilityStatements, JWK sets. */
public interface HttpDocuments {

    @GET
    Uni<String> get(@Url String url, @HeaderParam("Accept") String accept);

    /**
     * A client that follows no redirect (a document must be where the server says it is). Callers bound each call as a
     * whole with {@link ServerTimeoutException#bound}.
     */
    static HttpDocuments create(SmartBffConfig.Http config) {
        return QuarkusRestClientBuilder.newBuilder()
                // Every call names its absolute URL with @Url; this base is never used.
                .baseUri(URI.create("http://localhost"))
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // A backstop that frees the connection; the bound on the whole call (which must win) is shorter.
                .readTimeout(config.serverTimeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .followRedirects(false)
                .build(HttpDocuments.class);
    }
}
