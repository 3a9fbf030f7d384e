package org.smartbff.dev;

/** What a reloaded dev mode reads of the {@link LocalSandbox} already running in the JVM (JMX standard MBean). */
public interface LocalSandboxMBean {

    String getFhirBase();

    String getClientId();

    String getPatientId();
}
