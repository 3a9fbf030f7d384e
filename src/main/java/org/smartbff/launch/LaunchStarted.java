package org.smartbff.launch;

import java.time.Duration;

/** A launch on its way: where to send the browser, and the binding cookie value to give it. */
public record LaunchStarted(String authorizeUrl, String binding, Duration bindingLifetime) {
    @Override
    public String toString() {
        return "LaunchStarted[binding=present]";
    }
}
