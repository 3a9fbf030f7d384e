package org.smartbff.web;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

import org.smartbff.smart.ClientKeys;

/** The public keys of the BFF's client assertions, so an EHR can register the BFF by JWKS URL. */
@Path("/.well-known/jwks.json")
public class JwksResource {

    private final ClientKeys keys;

    public JwksResource(ClientKeys keys) {
        this.keys = keys;
    }

    @GET
    @Produces("application/json")
    public Response jwks() {
        // Short caching: after a rotation, servers see the new key within minutes.
        return Response.ok(keys.publicJwks()).header("Cache-Control", "public, max-age=300").build();
    }
}
