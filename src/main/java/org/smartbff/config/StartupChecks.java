package org.smartbff.config;

import jakarta.enterprise.event.Observes;

import org.smartbff.config.SmartBffConfig.ClientAuth;
import org.smartbff.smart.ClientKeys;

import io.quarkus.runtime.StartupEvent;

/** Configuration mistakes that would only show at the first login are made to fail the start instead. */
public class StartupChecks {

    void onStart(@Observes StartupEvent event, SmartServers servers, ClientKeys keys, SmartBffConfig config) {
        config.servers().keySet().forEach(name -> servers.byName(name).ifPresent(server -> {
            if (server.clientAuth() == ClientAuth.private_key_jwt && keys.signingKey(server.clientAssertionAlgorithm()).isEmpty()) {
                throw new IllegalStateException("smart-bff.servers." + name + " uses private_key_jwt with "
                        + server.clientAssertionAlgorithm() + " but smart-bff.jwks-file holds no such private key");
            }
        }));
    }
}
