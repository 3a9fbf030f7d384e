package org.smartbff.launch;

/**
 * How a launch step ended when it ended as expected: done, or refused for a {@link LaunchFailure}. Bugs are not
 * outcomes; they fail the {@code Uni} with {@link UnexpectedLaunchFailure}.
 */
public sealed interface LaunchOutcome<T> {

    record Done<T>(T value) implements LaunchOutcome<T> {
    }

    record Refused<T>(LaunchFailure failure) implements LaunchOutcome<T> {
        /** What the browser is told. */
        public LaunchError error() {
            return LaunchErrors.of(failure);
        }
    }

    static <T> LaunchOutcome<T> done(T value) {
        return new Done<>(value);
    }

    static <T> LaunchOutcome<T> refused(LaunchFailure failure) {
        return new Refused<>(failure);
    }

    /** The word for metrics and audit: {@code success} when done, the error code when refused. */
    default String label(String success) {
        return this instanceof Refused<T> refused ? refused.error().error() : success;
    }
}
