package org.smartbff.config;

import java.util.List;
import java.util.logging.Level;

import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * quarkus-oidc-client logs the whole token request form at DEBUG, refresh token included (its form masking does not
 * cover {@code refresh_token}). Whatever the log configuration says, those categories never log below INFO here: a
 * debugging session must not turn into a token leak.
 */
public class SecretLoggingGuard {

    private static final Logger LOG = Logger.getLogger(SecretLoggingGuard.class);

    /** Categories known to print token request or response bodies at DEBUG or TRACE. */
    static final List<String> CATEGORIES = List.of("io.quarkus.oidc.client.runtime", "io.quarkus.oidc.common.runtime");

    void onStart(@Observes StartupEvent event) {
        for (String category : CATEGORIES) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(category);
            Level level = logger.getLevel();
            if (level == null || level.intValue() < Level.INFO.intValue()) {
                logger.setLevel(Level.INFO);
                if (level != null) {
                    LOG.warnf("Log category %s was set to %s; raised to INFO because it would print tokens", category, level);
                }
            }
        }
    }
}
