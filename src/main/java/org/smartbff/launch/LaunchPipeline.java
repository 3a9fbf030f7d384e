package org.smartbff.launch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.launch.LaunchOutcome.Done;
import org.smartbff.observe.Audit;
import org.smartbff.observe.BffMetrics;
import org.smartbff.observe.JsonNodeText;

import io.smallrye.mutiny.Uni;

/**
 * The one path every launch start (standalone or EHR) and every callback runs through. The failures the SMART clients
 * and the stores announce become {@link LaunchFailure} values here, anything else is logged once and stays an
 * exception; and each outcome is timed, counted and audited here, so no flow has instruments of its own.
 */
@ApplicationScoped
public class LaunchPipeline {

    private static final Logger LOG = Logger.getLogger(LaunchPipeline.class);

    /** The {@code kind} label of {@code smart_bff_launches_total}. */
    public enum Kind {
        STANDALONE("standalone"),
        EHR("ehr");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final BffMetrics metrics;
    private final Audit audit;
    private final Clock clock;

    public LaunchPipeline(BffMetrics metrics, Audit audit, Clock clock) {
        this.metrics = metrics;
        this.audit = audit;
        this.clock = clock;
    }

    /** A launch start: counted as {@code redirected} or by its error code. */
    public Uni<LaunchOutcome<LaunchStarted>> start(Kind kind, Supplier<Uni<LaunchOutcome<LaunchStarted>>> steps) {
        return run(kind.label, steps)
                .invoke(outcome -> metrics.launch(kind.label, outcome.label("redirected")))
                .onFailure().invoke(bug -> metrics.launch(kind.label, LaunchErrors.UNEXPECTED.error()));
    }

    /** A callback: counted as {@code session} or by its error code, and audited as a login or a failed one. */
    public Uni<LaunchOutcome<LaunchCompleted>> callback(Supplier<Uni<LaunchOutcome<LaunchCompleted>>> steps) {
        return run("callback", steps)
                .invoke(outcome -> {
                    if (outcome instanceof Done<LaunchCompleted> done) {
                        loggedIn(done.value());
                    } else {
                        loginFailed(outcome.label("session"));
                    }
                })
                .onFailure().invoke(bug -> loginFailed(LaunchErrors.UNEXPECTED.error()));
    }

    private <T> Uni<LaunchOutcome<T>> run(String step, Supplier<Uni<LaunchOutcome<T>>> steps) {
        return Uni.createFrom().item(clock::instant).flatMap(started -> Uni.createFrom().deferred(steps::get)
                .onFailure().recoverWithUni(LaunchPipeline::<T> expected)
                .invoke(outcome -> timed(step, outcome instanceof Done<T> ? "done" : "refused", started))
                .onFailure().invoke(bug -> timed(step, "error", started)));
    }

    /** A failure the SMART clients or the stores announce is a refusal; anything else, a bug, is logged here once. */
    private static <T> Uni<LaunchOutcome<T>> expected(Throwable failure) {
        LaunchFailure expected = LaunchFailure.of(failure);
        if (expected != null) {
            return Uni.createFrom().item(LaunchOutcome.refused(expected));
        }
        LOG.error("Unexpected failure completing a launch", failure);
        return Uni.createFrom().failure(new UnexpectedLaunchFailure(failure));
    }

    private void timed(String step, String result, Instant started) {
        metrics.launchStep(step, result, Duration.between(started, clock.instant()));
    }

    private void loggedIn(LaunchCompleted completed) {
        metrics.callback("session");
        JsonNodeText patient = JsonNodeText.of(completed.session().context(), "patient");
        audit.record(Audit.event("login")
                .with("session", completed.sessionId().logId())
                .with("server", completed.session().server())
                .with("fhir_user", completed.session().identity() != null
                        ? completed.session().identity().fhirUser()
                        : null)
                .with("patient", patient.value())
                .with("scope", completed.session().scope()));
    }

    private void loginFailed(String error) {
        metrics.callback(error);
        audit.record(Audit.event("login_failed").with("error", error));
    }
}
