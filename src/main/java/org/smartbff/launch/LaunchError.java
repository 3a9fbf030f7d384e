package org.smartbff.launch;

/**
 * What the browser is told about a launch that did not go on: an HTTP status, a stable machine-readable {@code error}
 * (also the metrics label) and a sentence for a person. Neither ever holds a token, code, state or secret.
 */
public record LaunchError(int status, String error, String description) {
}
