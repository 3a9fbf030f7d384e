package org.smartbff.startup;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;

import org.smartbff.config.ConfigProblems;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.config.SmartBffConfig.ClientAuth;
import org.smartbff.smart.ClientKeys;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * Configuration mistakes that would only show at the first login are made to fail the start instead, before readiness
 * can turn UP. The start fails with a {@link ConfigurationException}, which Quarkus prints as its message alone: one
 * line per problem that says what to set, no stack trace.
 */
public class StartupChecks {

    /** Before every other start-up observer, which may already use what is misconfigured. */
    void onStart(@Observes @Priority(1) StartupEvent event, SmartBffConfig config, ClientKeys keys) {
        List<String> problems = new ArrayList<>(ConfigProblems.of(config));
        problems.addAll(ConfigProblems.bodyBudgetProblems(config.proxy().heldBodies().asLongValue(),
                config.proxy().maxRequestBody().asLongValue()));
        if (problems.isEmpty()) {
            problems = keyFileProblems(config, keys);
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("smart-bff cannot start: " + String.join("; ", problems));
        }
    }

    /** What only reading the JWKS file tells: whether it holds a private key for each algorithm a server signs with. */
    static List<String> keyFileProblems(SmartBffConfig config, ClientKeys keys) {
        try {
            keys.publicJwks();
        } catch (IllegalStateException unusable) {
            // ClientKeys says what is wrong with the file and never quotes key material.
            return List.of(unusable.getMessage());
        }
        return config.servers().entrySet().stream()
                .filter(server -> server.getValue().clientAuth() == ClientAuth.private_key_jwt)
                .filter(server -> keys.signingKey(server.getValue().clientAssertionAlgorithm().trim().toUpperCase(
                        Locale.ROOT)).isEmpty())
                .map(server -> "smart-bff.servers." + server.getKey() + " uses private_key_jwt with "
                        + server.getValue().clientAssertionAlgorithm() + " but smart-bff.jwks-file holds no such private key")
                .toList();
    }
}
