package org.smartbff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smartbff.ops.OpsFiles.CHART;
import static org.smartbff.ops.OpsFiles.mapConfig;
import static org.smartbff.ops.OpsFiles.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smartbff.config.SmartBffConfig;
import org.smartbff.config.SmartBffConfig.ClientAuth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * The Helm chart as Helm itself sees it: linted and rendered by the Helm library embedded in helm-java (in-process,
 * no helm binary, no cluster), and every rendered object bound strictly to its Kubernetes type, so that a misspelt
 * field fails here rather than being dropped silently by the API server. Everything about the chart that Helm can render
 * is checked here, on what it renders to; {@link DeploymentFilesTest} keeps what Helm does not render (the values files,
 * NOTES.txt) and the other deployment files.
 */
class HelmChartTest {

    private static final String RELEASE = "demo";
    private static final String FULLNAME = "demo-smart-bff";
    /** The oldest Kubernetes the chart accepts (Chart.yaml kubeVersion). */
    private static final String KUBE_VERSION = "v1.25.0";
    private static final Path EXAMPLE = CHART.resolve("ci/example-values.yaml");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper STRICT = strictMapper();

    /** The values that the chart cannot default (it fails without them); everything else comes from values.yaml. */
    private static final Map<String, String> REQUIRED = Map.of(
            "publicUrl", "https://bff.example",
            "defaultServer", "ehr",
            "servers.ehr.fhirBaseUrl", "https://ehr.example/fhir/r4",
            "servers.ehr.clientId", "smart-bff",
            "session.encryptionKeySecret.name", "smart-bff-session",
            "redis.existingSecret.name", "smart-bff-redis");

    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
            "apps/v1 Deployment", Deployment.class,
            "v1 Service", Service.class,
            "v1 ConfigMap", ConfigMap.class,
            "v1 Secret", Secret.class,
            "v1 ServiceAccount", ServiceAccount.class,
            "autoscaling/v2 HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1 PodDisruptionBudget", PodDisruptionBudget.class,
            "networking.k8s.io/v1 NetworkPolicy", NetworkPolicy.class,
            "networking.k8s.io/v1 Ingress", Ingress.class);

    // ------------------------------------------------------------------------------------------------ lint and schema

    @Test
    void lint_strict_passes_with_the_default_values_and_with_the_example(@TempDir Path dir) {
        assertLintPasses(new Helm(CHART).lint().strict().call(), "default values");
        assertLintPasses(new Helm(chartWithValues(dir, yaml(EXAMPLE))).lint().strict().call(), "example values");
    }

    @Test
    void schema_rejects_a_replica_count_in_words_and_an_unknown_top_level_key(@TempDir Path dir) {
        IllegalStateException words = assertThrows(IllegalStateException.class,
                () -> minimal().set("replicaCount", "two").call());
        assertTrue(words.getMessage().contains("replicaCount"), words.getMessage());
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> minimal().set("replicas", 3).call());
        assertTrue(unknown.getMessage().contains("replicas"), unknown.getMessage());

        ObjectNode bad = JsonNodeFactory.instance.objectNode().put("replicaCount", "two");
        LintResult lint = new Helm(chartWithValues(dir, bad)).lint().strict().call();
        assertTrue(lint.isFailed(), "helm lint fails too: " + lint.getMessages());
        assertTrue(lint.getMessages().stream().anyMatch(m -> m.startsWith("[ERROR]") && m.contains("replicaCount")),
                String.valueOf(lint.getMessages()));
    }

    @Test
    void schema_rejects_latest_missing_client_settings_a_trailing_slash_root_and_a_non_redis_url(@TempDir Path dir) {
        Map<String, Consumer<ObjectNode>> mistakes = new LinkedHashMap<>();
        mistakes.put("image.tag", v -> v.with("image").put("tag", "latest"));
        mistakes.put("clientId", v -> v.with("servers").with("sandbox").remove("clientId"));
        mistakes.put("clientAuth", v -> v.with("servers").with("sandbox").put("clientAuth", "basic"));
        mistakes.put("clientSecretRef", v -> v.with("servers").with("ehr").remove("clientSecretRef"));
        mistakes.put("publicUrl", v -> v.put("publicUrl", "https://bff.example/"));
        mistakes.put("readOnlyRootFilesystem", v -> v.with("securityContext").put("readOnlyRootFilesystem", false));
        mistakes.put("runAsNonRoot", v -> v.with("podSecurityContext").put("runAsNonRoot", false));
        mistakes.put("redis.url", v -> v.with("redis").put("url", "http://redis:6379"));
        render(exampleAsFile(dir, "as-given", v -> {
        })); // the example itself renders: each failure is its mistake's
        for (Map.Entry<String, Consumer<ObjectNode>> mistake : mistakes.entrySet()) {
            TemplateCommand template = exampleAsFile(dir, mistake.getKey(), mistake.getValue());
            IllegalStateException e = assertThrows(IllegalStateException.class, template::call, mistake.getKey());
            assertTrue(e.getMessage().contains(mistake.getKey().substring(mistake.getKey().lastIndexOf('.') + 1)),
                    mistake.getKey() + ": " + e.getMessage());
        }
    }

    @Test
    void server_names_with_a_dash_are_invisible_to_the_app_which_is_why_the_chart_forbids_them() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SMART_BFF_PUBLIC_URL", "https://bff.example");
        env.put("SMART_BFF_DEFAULT_SERVER", "ehr");
        for (String name : List.of("ehr", "lab2", "my-ehr")) {
            String prefix = "SMART_BFF_SERVERS_" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
            env.put(prefix + "FHIR_BASE_URL", "https://" + name + ".example/fhir");
            env.put(prefix + "CLIENT_ID", "client-" + name);
        }
        assertEquals(Set.of("ehr", "lab2"), mapConfig(env).servers().keySet(), "SMART_BFF_SERVERS_MY_EHR_* maps to no server");
        assertEquals(Set.of("ehr", "lab2"), mapConfig(environment(render(minimal()
                .set("servers.lab2.fhirBaseUrl", "https://lab2.example/fhir").set("servers.lab2.clientId", "lab"))))
                .servers().keySet(), "a name without a dash reaches the app");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> minimal()
                .set("servers.my-ehr.fhirBaseUrl", "https://my-ehr.example/fhir").set("servers.my-ehr.clientId", "x").call());
        assertTrue(e.getMessage().contains("my-ehr"), e.getMessage());
    }

    @Test
    void bare_defaults_refuse_to_render_and_say_what_to_set() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Helm(CHART).template().withName(RELEASE).withKubeVersion(KUBE_VERSION).call());
        assertTrue(e.getMessage().contains("publicUrl is required"), e.getMessage());
    }

    // --------------------------------------------------------------------------------------------- rendered objects

    @Test
    void every_rendered_object_binds_strictly_to_its_kubernetes_type_and_carries_the_release_name() {
        Manifests minimal = render(minimal());
        assertEquals(Set.of("ConfigMap", "Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler",
                "PodDisruptionBudget", "NetworkPolicy"), minimal.kinds());
        Manifests example = render(example());
        assertEquals(Set.of("ConfigMap", "Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler",
                "PodDisruptionBudget", "NetworkPolicy", "Ingress"), example.kinds());
        for (HasMetadata object : example.objects()) {
            String what = object.getKind() + " " + object.getMetadata().getName();
            assertEquals(FULLNAME, object.getMetadata().getName(), what);
            assertEquals(RELEASE, object.getMetadata().getLabels().get("app.kubernetes.io/instance"), what);
            assertEquals("smart-bff", object.getMetadata().getLabels().get("app.kubernetes.io/name"), what);
        }
    }

    @Test
    void a_misspelt_security_context_field_passes_the_schema_but_fails_strict_binding() {
        TemplateCommand typo = minimal().set("securityContext.runAsNonRot", true);
        String rendered = typo.call();
        assertTrue(rendered.contains("runAsNonRot: true"), "the schema lets it through and Helm renders it");
        AssertionError e = assertThrows(AssertionError.class, () -> Manifests.parse(rendered));
        assertTrue(e.getMessage().contains("Deployment"), e.getMessage());
        assertTrue(String.valueOf(e.getCause()).contains("runAsNonRot"), String.valueOf(e.getCause()));
    }

    @Test
    void object_names_follow_the_release_name_unless_it_already_names_the_chart_or_is_overridden() {
        assertEquals("smart-bff-prod", render(minimal().withName("smart-bff-prod")).one(Deployment.class)
                .getMetadata().getName());
        assertEquals("bff", render(minimal().set("fullnameOverride", "bff")).one(Deployment.class)
                .getMetadata().getName());
        Manifests demo = render(minimal());
        Deployment deployment = demo.one(Deployment.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertEquals(deployment.getSpec().getSelector().getMatchLabels(), podLabels);
        assertEquals(podLabels, demo.one(Service.class).getSpec().getSelector());
        assertEquals(FULLNAME, deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(FULLNAME, demo.one(ServiceAccount.class).getMetadata().getName());
        assertEquals(Boolean.FALSE, demo.one(ServiceAccount.class).getAutomountServiceAccountToken(),
                "the pods get no Kubernetes API token, whatever uses the service account");
    }

    @Test
    void the_image_defaults_to_the_version_the_build_makes() {
        Matcher version = Pattern.compile("<artifactId>smart-bff</artifactId>\\s*<version>([^<-]+)")
                .matcher(OpsFiles.read(OpsFiles.ROOT.resolve("pom.xml")));
        assertTrue(version.find(), "pom.xml names its version");
        Container container = container(render(minimal()).one(Deployment.class));
        assertTrue(container.getImage().endsWith(":" + version.group(1)), container.getImage() + " is " + version.group(1));
    }

    // --------------------------------------------------------------------------------------------------- Deployment

    @Test
    void deployment_runs_non_root_on_a_read_only_root_filesystem_with_nothing_to_escalate() {
        Deployment deployment = render(minimal()).one(Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(185L, pod.getSecurityContext().getRunAsUser(), "the image's user");
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());

        Container container = only(pod.getContainers());
        SecurityContext security = container.getSecurityContext();
        assertEquals(Boolean.TRUE, security.getRunAsNonRoot());
        assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        assertTrue(Optional.ofNullable(security.getCapabilities().getAdd()).orElse(List.of()).isEmpty());
        assertEquals("RuntimeDefault", security.getSeccompProfile().getType());
        assertNull(security.getPrivileged());

        VolumeMount tmp = only(container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).toList());
        Volume volume = only(pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).toList());
        assertNotNull(volume.getEmptyDir(), "/tmp is an emptyDir, the one writable path");
    }

    @Test
    void deployment_probes_the_quarkus_health_endpoints_on_the_management_port() {
        Container container = container(render(minimal()).one(Deployment.class));
        Map<String, Probe> probes = Map.of("/q/health/started", container.getStartupProbe(),
                "/q/health/live", container.getLivenessProbe(), "/q/health/ready", container.getReadinessProbe());
        probes.forEach((path, probe) -> {
            assertNotNull(probe, path);
            assertEquals(path, probe.getHttpGet().getPath());
            String port = probe.getHttpGet().getPort().getStrVal();
            int number = port == null ? probe.getHttpGet().getPort().getIntVal()
                    : only(container.getPorts().stream().filter(p -> port.equals(p.getName())).toList()).getContainerPort();
            assertEquals(9000, number, path);
        });
        assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals("QUARKUS_MANAGEMENT_PORT")
                && e.getValue().equals("9000")), "the app listens where the probes look");
        assertEquals(60, container.getStartupProbe().getPeriodSeconds() * container.getStartupProbe().getFailureThreshold(),
                "a minute to start before the kubelet restarts the pod");
    }

    @Test
    void deployment_requests_and_limits_cpu_and_memory_with_memory_request_equal_to_limit() {
        Container container = container(render(example()).one(Deployment.class));
        Map<String, Quantity> requests = container.getResources().getRequests();
        Map<String, Quantity> limits = container.getResources().getLimits();
        assertEquals(Set.of("cpu", "memory"), requests.keySet());
        assertEquals(Set.of("cpu", "memory"), limits.keySet());
        assertEquals(0,
                Quantity.getAmountInBytes(requests.get("memory")).compareTo(Quantity.getAmountInBytes(limits.get("memory"))),
                "the JVM keeps the heap it sized from the limit: a lower request invites eviction");
        assertTrue(Quantity.getAmountInBytes(requests.get("cpu")).compareTo(Quantity.getAmountInBytes(limits.get("cpu"))) <= 0);
    }

    @Test
    void java_options_keep_the_image_flags_the_chart_replaces_and_add_the_values_last() {
        String opts = environment(render(example().set("javaOpts", "-Xss512k"))).get("JAVA_OPTS_APPEND");
        for (String flag : List.of("-Dquarkus.http.host=0.0.0.0", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-XX:+ExitOnOutOfMemoryError", "-XX:AOTCache=/deployments/app.aot")) {
            assertTrue(List.of(opts.split(" ")).contains(flag), flag + " in " + opts);
        }
        assertTrue(opts.endsWith(" -Xss512k"), "the values' options come last, so they win: " + opts);
    }

    @Test
    void a_changed_config_map_or_secret_changes_the_pod_template_checksum_so_the_pods_roll() {
        Map<String, String> base = podAnnotations(minimal());
        Map<String, String> otherUrl = podAnnotations(minimal().set("publicUrl", "https://other.example"));
        Map<String, String> morePods = podAnnotations(minimal().set("replicaCount", 3));
        assertNotEquals(base.get("checksum/config"), otherUrl.get("checksum/config"));
        assertEquals(base.get("checksum/secret"), otherUrl.get("checksum/secret"));
        assertEquals(base, morePods, "no configuration changed, no roll");

        TemplateCommand withUrl = minimal().set("redis.existingSecret.name", "").set("redis.url", "redis://redis:6379");
        Map<String, String> one = podAnnotations(withUrl);
        Map<String, String> two = podAnnotations(minimal().set("redis.existingSecret.name", "")
                .set("redis.url", "redis://redis-2:6379"));
        assertNotEquals(one.get("checksum/secret"), two.get("checksum/secret"));
        assertEquals(one.get("checksum/config"), two.get("checksum/config"));
        assertTrue(base.get("checksum/config").matches("[0-9a-f]{64}"), base.get("checksum/config"));
    }

    @Test
    void pods_spread_over_nodes_and_zones_and_extra_constraints_are_added() {
        Deployment deployment = render(minimal()).one(Deployment.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        List<TopologySpreadConstraint> spread = deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
        assertEquals(List.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"),
                spread.stream().map(TopologySpreadConstraint::getTopologyKey).toList());
        for (TopologySpreadConstraint constraint : spread) {
            assertEquals("ScheduleAnyway", constraint.getWhenUnsatisfiable(), "soft: one node or zone still runs");
            assertEquals(1, constraint.getMaxSkew());
            assertEquals(podLabels, constraint.getLabelSelector().getMatchLabels());
        }
        List<TopologySpreadConstraint> extra = render(minimal()
                .set("topologySpreadConstraints[0].maxSkew", 2)
                .set("topologySpreadConstraints[0].topologyKey", "example.com/rack")
                .set("topologySpreadConstraints[0].whenUnsatisfiable", "DoNotSchedule"))
                .one(Deployment.class).getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
        assertEquals(3, extra.size());
        assertEquals("example.com/rack", extra.get(2).getTopologyKey());
    }

    // ------------------------------------------------------------------------------------- configuration of the app

    @Test
    void servers_from_values_reach_the_app_as_the_configuration_it_maps() {
        Manifests example = render(example());
        SmartBffConfig config = mapConfig(environment(example));
        JsonNode values = yaml(EXAMPLE);
        assertEquals(fieldNames(values.path("servers")), config.servers().keySet());
        assertEquals(values.path("defaultServer").asText(), config.defaultServer());
        assertEquals(values.path("publicUrl").asText(), config.publicUrl());
        values.path("servers").fields().forEachRemaining(e -> {
            SmartBffConfig.Server server = config.servers().get(e.getKey());
            JsonNode given = e.getValue();
            assertEquals(given.path("fhirBaseUrl").asText(), server.fhirBaseUrl(), e.getKey());
            assertEquals(given.path("clientId").asText(), server.clientId(), e.getKey());
            assertEquals(ClientAuth.valueOf(given.path("clientAuth").asText("none")), server.clientAuth(), e.getKey());
            if (given.has("scope")) {
                assertEquals(given.path("scope").asText(), server.scope(), e.getKey());
            }
            if (given.has("ehrScope")) {
                assertEquals(given.path("ehrScope").asText(), server.ehrScope(), e.getKey());
            }
        });
        assertEquals(Optional.of("secret smart-bff-ehr-client/client-secret"), config.servers().get("ehr").clientSecret());
        assertEquals(Optional.empty(), config.servers().get("sandbox").clientSecret());

        // private_key_jwt: the JWK Set file the app is told about is the key mounted from the named Secret.
        String jwksFile = config.jwksFile().orElseThrow();
        Deployment deployment = example.one(Deployment.class);
        VolumeMount mount = only(container(deployment).getVolumeMounts().stream()
                .filter(m -> jwksFile.startsWith(m.getMountPath() + "/")).toList());
        assertEquals(Boolean.TRUE, mount.getReadOnly());
        Volume volume = only(deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).toList());
        assertEquals("smart-bff-jwks", volume.getSecret().getSecretName());
        assertEquals(jwksFile.substring(mount.getMountPath().length() + 1), only(volume.getSecret().getItems()).getPath());
        assertEquals(0440, volume.getSecret().getDefaultMode(), "readable by the pod's group only");
    }

    @Test
    void every_environment_variable_the_chart_sets_is_one_the_app_reads() {
        Manifests everything = render(example().set("redis.existingSecret.name", "").set("redis.url", "rediss://redis:6380")
                .set("redis.tls", true).set("session.previousKeysSecret.name", "smart-bff-session-old"));
        Map<String, String> env = environment(everything);
        assertTrue(env.keySet().containsAll(List.of("SMART_BFF_SERVERS_EHR_CLIENT_SECRET", "SMART_BFF_SERVERS_SANDBOX_SCOPE",
                "SMART_BFF_SESSION_PREVIOUS_ENCRYPTION_KEYS", "QUARKUS_REDIS_TLS_ENABLED", "JAVA_OPTS_APPEND")),
                env.keySet()::toString);
        assertEquals(List.of(), env.keySet().stream().filter(name -> !AppEnvironment.reads(name)).toList(),
                "set but never read (a typo, or a property of an extension not in the build)");
    }

    // ------------------------------------------------------------------------------------------------------ secrets

    @Test
    void secrets_are_referenced_by_name_and_no_secret_value_lands_in_the_config_map() {
        Map<String, SecretKeySelector> refs = secretRefs(container(render(example()).one(Deployment.class)));
        assertEquals(Map.of(
                "SMART_BFF_SESSION_ENCRYPTION_KEY", "smart-bff-session/encryption-key",
                "QUARKUS_REDIS_HOSTS", "smart-bff-redis/redis-url",
                "SMART_BFF_SERVERS_EHR_CLIENT_SECRET", "smart-bff-ehr-client/client-secret"),
                refs.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> e.getValue().getName() + "/" + e.getValue().getKey())));
        Map<String, SecretKeySelector> rotation = secretRefs(container(render(minimal()
                .set("session.previousKeysSecret.name", "smart-bff-session-old")).one(Deployment.class)));
        assertEquals("smart-bff-session-old", rotation.get("SMART_BFF_SESSION_PREVIOUS_ENCRYPTION_KEYS").getName());

        String password = "only-in-a-secret-7f3a";
        Manifests withUrl = render(minimal().set("redis.existingSecret.name", "")
                .set("redis.url", "rediss://:" + password + "@redis.example:6380").set("redis.tls", true));
        Secret secret = withUrl.one(Secret.class);
        assertEquals(FULLNAME + "-redis", secret.getMetadata().getName());
        assertTrue(secret.getStringData().get("redis-url").contains(password));
        SecretKeySelector redis = secretRefs(container(withUrl.one(Deployment.class))).get("QUARKUS_REDIS_HOSTS");
        assertEquals(secret.getMetadata().getName(), redis.getName());
        assertTrue(secret.getStringData().containsKey(redis.getKey()));
        ConfigMap configMap = withUrl.one(ConfigMap.class);
        assertEquals("true", configMap.getData().get("QUARKUS_REDIS_TLS_ENABLED"));
        for (HasMetadata object : withUrl.objects()) {
            if (!(object instanceof Secret)) {
                assertFalse(withUrl.text(object).contains(password), object.getKind() + " holds the Redis password");
            }
        }
        assertFalse(configMap.getData().keySet().stream().anyMatch(k -> k.matches(".*(SECRET|PASSWORD|_KEY|_KEYS)$")),
                String.valueOf(configMap.getData().keySet()));
    }

    // ----------------------------------------------------------------------------------------------- optional parts

    @Test
    void autoscaler_disruption_budget_network_policy_and_ingress_render_only_when_enabled() {
        Manifests defaults = render(minimal());
        assertNull(defaults.one(Deployment.class).getSpec().getReplicas(), "the autoscaler owns the replica count");
        HorizontalPodAutoscaler hpa = defaults.one(HorizontalPodAutoscaler.class);
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals(FULLNAME, hpa.getSpec().getScaleTargetRef().getName());
        assertEquals(2, hpa.getSpec().getMinReplicas());
        assertEquals(defaults.one(Deployment.class).getSpec().getSelector(),
                defaults.one(PodDisruptionBudget.class).getSpec().getSelector());
        assertTrue(defaults.all(Ingress.class).isEmpty());

        Manifests off = render(minimal().set("autoscaling.enabled", false).set("replicaCount", 3)
                .set("pdb.enabled", false).set("networkPolicy.enabled", false).set("serviceAccount.create", false));
        assertEquals(Set.of("ConfigMap", "Deployment", "Service"), off.kinds());
        assertEquals(3, off.one(Deployment.class).getSpec().getReplicas());
        assertEquals("default", off.one(Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void an_enabled_ingress_without_hosts_or_an_autoscaler_with_min_above_max_fails_at_render_time() {
        // Either would render, and the API server would then reject the object: an Ingress with neither rules nor a
        // default backend, or an HPA whose maxReplicas is below minReplicas.
        IllegalStateException noHosts = assertThrows(IllegalStateException.class,
                () -> minimal().set("ingress.enabled", true).call());
        assertTrue(noHosts.getMessage().contains("ingress.hosts"), noHosts.getMessage());
        IllegalStateException minAboveMax = assertThrows(IllegalStateException.class,
                () -> minimal().set("autoscaling.minReplicas", 5).set("autoscaling.maxReplicas", 3).call());
        assertTrue(minAboveMax.getMessage().contains("autoscaling.maxReplicas"), minAboveMax.getMessage());
        assertEquals(3, render(minimal().set("autoscaling.enabled", false).set("autoscaling.minReplicas", 5)
                .set("autoscaling.maxReplicas", 3).set("replicaCount", 3)).one(Deployment.class).getSpec().getReplicas(),
                "no autoscaler, no check");
    }

    @Test
    void ingress_routes_its_hosts_to_the_service_http_port_and_the_policy_admits_8080_and_the_management_port() {
        Manifests example = render(example());
        Ingress ingress = example.one(Ingress.class);
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertEquals(List.of("bff.example"), only(ingress.getSpec().getTls()).getHosts());
        IngressBackend backend = only(only(ingress.getSpec().getRules()).getHttp().getPaths()).getBackend();
        Service service = example.one(Service.class);
        assertEquals(service.getMetadata().getName(), backend.getService().getName());
        assertTrue(service.getSpec().getPorts().stream()
                .anyMatch(p -> p.getName().equals(backend.getService().getPort().getName())));

        NetworkPolicy policy = example.one(NetworkPolicy.class);
        assertEquals(example.one(Deployment.class).getSpec().getSelector().getMatchLabels(),
                policy.getSpec().getPodSelector().getMatchLabels());
        List<NetworkPolicyIngressRule> in = policy.getSpec().getIngress();
        assertEquals(2, in.size());
        assertEquals(8080, only(in.get(0).getPorts()).getPort().getIntVal());
        assertEquals(List.of("ingress-nginx"), in.get(0).getFrom().stream()
                .map(p -> p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")).toList());
        assertEquals(9000, only(in.get(1).getPorts()).getPort().getIntVal());
        assertEquals(List.of("monitoring"), in.get(1).getFrom().stream()
                .map(p -> p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")).toList());
    }

    @Test
    void metrics_are_annotated_on_the_management_port_which_the_service_never_exposes() {
        Manifests example = render(example());
        Deployment deployment = example.one(Deployment.class);
        Map<String, String> annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals("9000", annotations.get("prometheus.io/port"));
        assertEquals("/q/metrics", annotations.get("prometheus.io/path"));
        Container container = container(deployment);
        for (var port : example.one(Service.class).getSpec().getPorts()) {
            String target = port.getTargetPort().getStrVal();
            int number = target == null ? port.getTargetPort().getIntVal()
                    : only(container.getPorts().stream().filter(p -> target.equals(p.getName())).toList()).getContainerPort();
            assertEquals(8080, number, "the Service, and so the Ingress, reach the app port only");
        }
        Manifests off = render(minimal().set("metrics.podAnnotations", "false"));
        assertFalse(off.one(Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations()
                .containsKey("prometheus.io/scrape"));
    }

    // ---------------------------------------------------------------------------------------------------- rendering

    /** The chart with only the values it requires. */
    private static TemplateCommand minimal() {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withKubeVersion(KUBE_VERSION);
        REQUIRED.forEach(template::set);
        return template;
    }

    /** The chart with ci/example-values.yaml. */
    private static TemplateCommand example() {
        return new Helm(CHART).template().withName(RELEASE).withKubeVersion(KUBE_VERSION).withValuesFile(EXAMPLE);
    }

    /** The chart with ci/example-values.yaml as {@code change} leaves it, written to a file of {@code dir}. */
    private static TemplateCommand exampleAsFile(Path dir, String name, Consumer<ObjectNode> change) {
        ObjectNode values = (ObjectNode) yaml(EXAMPLE);
        change.accept(values);
        Path file = dir.resolve(name + ".yaml");
        try {
            YAML.writeValue(file.toFile(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(CHART).template().withName(RELEASE).withKubeVersion(KUBE_VERSION).withValuesFile(file);
    }

    private static Manifests render(TemplateCommand template) {
        return Manifests.parse(template.call());
    }

    /** The rendered objects, each bound to its fabric8 type, with the YAML it was rendered as. */
    private record Manifests(Map<HasMetadata, String> texts) {

        static Manifests parse(String rendered) {
            Map<HasMetadata, String> texts = new LinkedHashMap<>();
            for (String document : rendered.split("(?m)^---\\s*$")) {
                JsonNode node;
                try {
                    node = YAML.readTree(document);
                } catch (JsonProcessingException e) {
                    throw new AssertionError("rendered YAML parses:\n" + document, e);
                }
                if (node == null || node.isMissingNode() || node.isNull() || node.isEmpty()) {
                    continue;
                }
                String type = node.path("apiVersion").asText() + " " + node.path("kind").asText();
                Class<? extends HasMetadata> kind = TYPES.get(type);
                assertNotNull(kind, "a type this test knows: " + type);
                try {
                    texts.put(STRICT.treeToValue(node, kind), document);
                } catch (JsonProcessingException e) {
                    throw new AssertionError(type + " " + node.path("metadata").path("name").asText()
                            + " binds strictly to " + kind.getSimpleName(), e);
                }
            }
            return new Manifests(texts);
        }

        List<HasMetadata> objects() {
            return List.copyOf(texts.keySet());
        }

        Set<String> kinds() {
            return texts.keySet().stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        }

        <T> List<T> all(Class<T> type) {
            return texts.keySet().stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T> T one(Class<T> type) {
            List<T> all = all(type);
            assertEquals(1, all.size(), "one " + type.getSimpleName() + " in " + kinds());
            return all.get(0);
        }

        String text(HasMetadata object) {
            return texts.get(object);
        }
    }

    /**
     * Jackson as strict as the API server's schema: fabric8 types keep unknown fields in an "additionalProperties" map
     * (where the server would drop them); without that catch-all, an unknown field is an error. No coercion either: a
     * string where a number or boolean belongs fails.
     */
    private static ObjectMapper strictMapper() {
        SimpleModule noCatchAll = new SimpleModule().setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                    BeanDeserializerBuilder builder) {
                builder.setAnySetter(null);
                return builder;
            }
        });
        return JsonMapper.builder()
                .addModule(noCatchAll)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private static void assertLintPasses(LintResult lint, String what) {
        assertFalse(lint.isFailed(), what + ": " + lint.getMessages());
        assertEquals(List.of(), lint.getMessages().stream().filter(m -> !m.startsWith("[INFO]")).toList(), what);
    }

    /**
     * A copy of the chart whose values.yaml is the chart's values with {@code overlay} merged in: helm-java's lint takes
     * no values file, and this is what `helm lint -f` lints.
     */
    private static Path chartWithValues(Path dir, JsonNode overlay) {
        Path copy = dir.resolve("smart-bff");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(CHART.relativize(file).toString()));
            }
            ObjectNode values = (ObjectNode) yaml(CHART.resolve("values.yaml"));
            merge(values, overlay);
            YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    private static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Container container(Deployment deployment) {
        return only(deployment.getSpec().getTemplate().getSpec().getContainers());
    }

    private static Map<String, String> podAnnotations(TemplateCommand template) {
        return render(template).one(Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations();
    }

    private static Map<String, SecretKeySelector> secretRefs(Container container) {
        Map<String, SecretKeySelector> refs = new LinkedHashMap<>();
        for (EnvVar env : container.getEnv()) {
            if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                refs.put(env.getName(), env.getValueFrom().getSecretKeyRef());
            }
        }
        return refs;
    }

    /**
     * The environment the app's container starts with: the ConfigMap it takes whole, then its own variables, a
     * Secret's key standing in as "secret name/key".
     */
    private static Map<String, String> environment(Manifests manifests) {
        Map<String, String> env = new LinkedHashMap<>();
        Container container = container(manifests.one(Deployment.class));
        ConfigMap configMap = manifests.one(ConfigMap.class);
        assertEquals(configMap.getMetadata().getName(), only(container.getEnvFrom()).getConfigMapRef().getName());
        env.putAll(configMap.getData());
        for (EnvVar variable : container.getEnv()) {
            SecretKeySelector secret = variable.getValueFrom() == null ? null : variable.getValueFrom().getSecretKeyRef();
            env.put(variable.getName(),
                    secret == null ? variable.getValue() : "secret " + secret.getName() + "/" + secret.getKey());
        }
        return env;
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static <T> T only(List<T> list) {
        assertEquals(1, list.size(), String.valueOf(list));
        return list.get(0);
    }
}
