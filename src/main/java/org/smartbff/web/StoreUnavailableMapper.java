package org.smartbff.web;

import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.smartbff.session.StoreUnavailableException;

/** Redis down is the service's problem, not the caller's: 503 with a JSON error, and the session is not touched. */
public class StoreUnavailableMapper {

    private static final Logger LOG = Logger.getLogger(StoreUnavailableMapper.class);

    @ServerExceptionMapper
    public Response map(StoreUnavailableException failure) {
        LOG.warn(failure.getMessage());
        return Response.fromResponse(ErrorResponses.json(503, "temporarily_unavailable",
                "The session store is not available; try again shortly.")).header("Retry-After", "5").build();
    }
}
