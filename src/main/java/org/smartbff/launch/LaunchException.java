package org.smartbff.launch;

/**
 * A launch or callback that cannot go on. {@code error} is a stable machine-readable code, {@code description} a
 * sentence for a person; neither ever holds a token, code, state or secret.
 */
public class LaunchException extends RuntimeException {

    private final int status;
    private final String error;

    public LaunchException(int status, String error, String description) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String description() {
        return getMessage();
    }
}
