package org.smartbff.testsupport;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The app embedded in an EHR's iframe: cookie mode {@code embedded}, and the fake server's EHR page origin
 * ({@code http://127.0.0.1:<EHR_PORT>}, another site than the app's {@code http://localhost}) allowed to frame it.
 * The port is chosen before the application starts, since it is part of the configuration.
 */
public class EmbeddedProfile implements QuarkusTestProfile {

    /**
     * Kept in a system property: Quarkus loads this class again in its own class loader, and both copies must agree.
     */
    public static final int EHR_PORT = ehrPort();

    public static String ehrOrigin() {
        return "http://127.0.0.1:" + EHR_PORT;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("smart-bff.session.cookie-mode", "embedded",
                "smart-bff.servers.fake.frame-ancestors", ehrOrigin());
    }

    private static synchronized int ehrPort() {
        String chosen = System.getProperty("embedded-profile.ehr-port");
        if (chosen == null) {
            chosen = Integer.toString(SmartTestResource.freePort());
            System.setProperty("embedded-profile.ehr-port", chosen);
        }
        return Integer.parseInt(chosen);
    }
}
