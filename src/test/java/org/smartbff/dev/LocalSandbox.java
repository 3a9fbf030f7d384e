package org.smartbff.dev;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.logging.Logger;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.smartbff.testsupport.fake.FakeSmartServer;

/**
 * The local SMART sandbox of dev mode: the tests' {@link FakeSmartServer} (a SMART App Launch authorization server and a
 * FHIR server with one synthetic patient, {@code src/test/resources/fhir}) on a free port of 127.0.0.1, registered as the
 * server {@value #SERVER} and made the default. Its authorize endpoint approves at once (the user {@code
 * Practitioner/123} picks that patient), so a login goes through without a form.
 *
 * <p>
 * One per JVM, found again through the platform MBean server: a live reload builds the configuration again with new
 * class loaders, and must find the running sandbox (same URL, same signing key) rather than start another each time.
 */
public record LocalSandbox(String fhirBase, String clientId, String patientId) implements LocalSandboxMBean {

    static final String SERVER = "local";
    private static final Logger LOG = Logger.getLogger(LocalSandbox.class.getName());

    /** The sandbox this JVM runs, started now if it runs none. */
    static synchronized LocalSandbox ensureStarted() {
        MBeanServer beans = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = objectName();
        try {
            if (beans.isRegistered(name)) {
                return new LocalSandbox((String) beans.getAttribute(name, "FhirBase"),
                        (String) beans.getAttribute(name, "ClientId"), (String) beans.getAttribute(name, "PatientId"));
            }
            FakeSmartServer fake = FakeSmartServer.start();
            Runtime.getRuntime().addShutdownHook(new Thread(fake::close, "dev-sandbox-stop"));
            LocalSandbox sandbox = new LocalSandbox(fake.fhirBase(), fake.clientId(), fake.patientId());
            beans.registerMBean(sandbox, name);
            LOG.info("Local SMART sandbox at " + sandbox.fhirBase + " (server '" + SERVER + "', patient "
                    + sandbox.patientId + "): log in at /auth/login, the sandbox approves at once");
            return sandbox;
        } catch (JMException e) {
            throw new IllegalStateException("could not register the local SMART sandbox", e);
        }
    }

    /** The configuration that makes it the default server. */
    Map<String, String> configuration() {
        String prefix = "smart-bff.servers." + SERVER + ".";
        return Map.of("smart-bff.default-server", SERVER,
                prefix + "fhir-base-url", fhirBase,
                prefix + "client-id", clientId);
    }

    @Override
    public String getFhirBase() {
        return fhirBase;
    }

    @Override
    public String getClientId() {
        return clientId;
    }

    @Override
    public String getPatientId() {
        return patientId;
    }

    private static ObjectName objectName() {
        try {
            return new ObjectName("org.smartbff.dev:type=LocalSandbox");
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
