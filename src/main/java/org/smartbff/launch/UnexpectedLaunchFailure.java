package org.smartbff.launch;

/**
 * A launch or callback failed in a way no {@link LaunchFailure} describes: a bug. It has been logged with its cause
 * where it happened; the browser is told {@link LaunchErrors#UNEXPECTED} and nothing more.
 */
public final class UnexpectedLaunchFailure extends RuntimeException {

    UnexpectedLaunchFailure(Throwable cause) {
        super("unexpected failure in a launch", cause, false, false);
    }
}
