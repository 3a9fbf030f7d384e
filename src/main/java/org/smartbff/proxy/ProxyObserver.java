package org.smartbff.proxy;

import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.observe.FhirResourceTypes;
import org.smartbff.observe.JsonNodeText;

/** Metrics and the audit event of each proxied call, recorded once, when its response headers are written. */
@ApplicationScoped
class ProxyObserver {

    private final BffMetrics metrics;
    private final Audit audit;

    ProxyObserver(BffMetrics metrics, Audit audit) {
        this.metrics = metrics;
        this.audit = audit;
    }

    /** The bytes request bodies held whole occupy now, and the budget they share. */
    void heldBodies(LongSupplier held, long budget) {
        metrics.heldBodies(held, budget);
    }

    void rejected(String reason) {
        metrics.rejected(reason);
    }

    void upstream(String method, int status, long elapsedNanos) {
        metrics.upstream(method, status, elapsedNanos);
    }

    void answered(CallRecord call, int status) {
        String resourceType = FhirResourceTypes.of(call.path);
        metrics.proxied(call.method, resourceType, status, System.nanoTime() - call.startedAt);
        Audit.Event event = Audit.event("fhir")
                .with("method", call.method)
                .with("resource_type", resourceType)
                .with("resource_id", FhirResourceTypes.idOf(call.path))
                .with("status", status);
        if (call.session != null) {
            event.with("session", call.sessionId.logId())
                    .with("server", call.session.server())
                    .with("fhir_user", call.session.identity() != null ? call.session.identity().fhirUser() : null)
                    .with("patient", JsonNodeText.of(call.session.context(), "patient").value());
        }
        audit.record(event);
    }
}
