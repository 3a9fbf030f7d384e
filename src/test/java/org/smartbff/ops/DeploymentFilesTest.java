package org.smartbff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smartbff.ops.OpsFiles.mapConfig;
import static org.smartbff.ops.OpsFiles.read;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.smartbff.config.SmartBffConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The deployment files (container image, Kubernetes manifests, the Helm chart's values and notes) against what the
 * application really is: the properties it reads, the port and health endpoints it serves, the way it shuts down.
 * Plain files, no cluster and no Docker: each check reads the file the way the tool would and states the rule it
 * enforces. What the chart's templates render to is {@link HelmChartTest}'s, which renders them with Helm itself.
 */
class DeploymentFilesTest {

    private static final Path ROOT = OpsFiles.ROOT;
    private static final Path DOCKERFILE = ROOT.resolve("src/main/docker/Dockerfile.jvm");
    private static final Path K8S = ROOT.resolve("k8s");
    /** Quarkus' management interface (health, metrics): its default port, which the manifests use. */
    private static final int MANAGEMENT_PORT = 9000;
    private static final Path CHART = OpsFiles.CHART;
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String PLACEHOLDER = "REPLACE_ME";

    // ------------------------------------------------------------------------------------------------ container image

    @Test
    void image_base_is_pinned_to_a_version_tag_never_latest() {
        List<String> froms = dockerfile().stream().filter(i -> i.is("FROM")).map(Instruction::args).toList();
        assertEquals(1, froms.size(), "one stage: " + froms);
        String image = froms.get(0).split("\\s+")[0];
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        assertTrue(colon > slash, "the base image names a tag: " + image);
        String tag = image.substring(colon + 1);
        assertFalse(tag.equalsIgnoreCase("latest"), "never :latest: " + image);
        assertTrue(tag.matches("[0-9]+(\\.[0-9]+)+.*|[0-9]+-.*"), "the tag is a version: " + image);
    }

    @Test
    void image_runs_as_a_numeric_non_root_user() {
        List<String> users = dockerfile().stream().filter(i -> i.is("USER")).map(Instruction::args).toList();
        assertFalse(users.isEmpty(), "the Dockerfile sets USER");
        String user = users.get(users.size() - 1).split(":")[0].trim();
        assertTrue(user.matches("[0-9]+"), "numeric, so Kubernetes can verify runAsNonRoot: " + user);
        assertTrue(Integer.parseInt(user) > 0, "not root");
        int lastUser = lastIndexOf(dockerfile(), "USER");
        int lastRun = lastIndexOf(dockerfile(), "RUN");
        assertTrue(lastRun < lastUser, "nothing runs as root after USER");
    }

    @Test
    void image_exposes_the_http_port_8080() {
        assertTrue(dockerfile().stream().filter(i -> i.is("EXPOSE"))
                .anyMatch(i -> List.of(i.args().split("\\s+")).contains("8080")));
    }

    @Test
    void image_starts_quarkus_run_jar() {
        List<Instruction> docker = dockerfile();
        String start = docker.stream().filter(i -> i.is("ENTRYPOINT") || i.is("CMD")).map(Instruction::args)
                .collect(Collectors.joining(" "));
        if (start.contains("quarkus-run.jar")) {
            return;
        }
        // The UBI OpenJDK images start through run-java.sh, which runs the jar named by JAVA_APP_JAR.
        assertTrue(start.contains("/run-java.sh"), "ENTRYPOINT/CMD runs quarkus-run.jar or run-java.sh: " + start);
        String jar = env(docker).get("JAVA_APP_JAR");
        assertNotNull(jar, "run-java.sh needs JAVA_APP_JAR");
        assertTrue(jar.endsWith("/quarkus-run.jar"), jar);
        String dir = jar.substring(0, jar.lastIndexOf('/'));
        assertTrue(docker.stream().filter(i -> i.is("COPY")).map(Instruction::args)
                .anyMatch(args -> copySource(args).equals("target/quarkus-app/*.jar")
                        && List.of(dir, dir + "/").contains(args.substring(args.lastIndexOf(' ') + 1))),
                "quarkus-run.jar is copied to " + dir);
    }

    @Test
    void image_copies_the_quarkus_app_layout_libraries_first_generated_code_last() {
        List<String> sources = dockerfile().stream().filter(i -> i.is("COPY"))
                .map(i -> copySource(i.args())).toList();
        assertEquals(List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/"), sources);
    }

    @Test
    void image_jvm_listens_on_all_interfaces_uses_the_jboss_log_manager_and_sizes_the_heap_from_the_container() {
        String opts = env(dockerfile()).getOrDefault("JAVA_OPTS_APPEND", "") + " "
                + env(dockerfile()).getOrDefault("JAVA_OPTS", "");
        assertTrue(opts.contains("-Dquarkus.http.host=0.0.0.0"), opts);
        assertTrue(opts.contains("-Djava.util.logging.manager=org.jboss.logmanager.LogManager"), opts);
        assertTrue(opts.matches(".*-XX:MaxRAMPercentage=[0-9.]+.*"), opts);
    }

    @Test
    void image_heap_is_a_share_of_the_memory_limit_half_young_and_the_limit_leaves_the_rest_for_what_is_not_heap() {
        String opts = env(dockerfile()).get("JAVA_OPTS_APPEND");
        double share = ramPercentage(opts, "MaxRAMPercentage");
        // Without MinRAMPercentage the JVM takes at least ~126 MiB of heap under any limit above 250 MiB.
        assertEquals(share, ramPercentage(opts, "MinRAMPercentage"), "the same share under small limits: " + opts);
        // bench/run: a young generation of a third (or a 64 MiB heap) cost the 60 KB Bundle 12-56 % of its throughput.
        assertTrue(List.of(opts.split(" ")).contains("-XX:NewRatio=1"), "half of the heap young: " + opts);
        double mib = 1024 * 1024;
        double limit = quantity(values().path("resources").path("limits").path("memory").asText());
        double heap = limit * share / 100;
        // ~12 MiB live after bench/run's load; the old half also holds a full session cache (4000 of ~4 KB) and bodies.
        assertTrue(heap >= 96 * mib, "heap " + heap / mib + " MiB");
        // bench/run: peak RSS beside the heap ~165 MiB (AOT cache metadata, C2 arenas, code cache, libjvm, threads).
        assertTrue(limit - heap >= 240 * mib, "what is not heap gets " + (limit - heap) / mib + " MiB");
        assertTrue(limit <= 384 * mib, "the chart's limit stays small: " + limit / mib + " MiB");
    }

    private static double ramPercentage(String opts, String flag) {
        Matcher m = Pattern.compile("-XX:" + flag + "=([0-9.]+)").matcher(opts);
        assertTrue(m.find(), flag + " in " + opts);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void image_starts_from_an_aot_cache_written_by_its_own_jvm_with_the_flags_it_runs_with() {
        List<Instruction> docker = dockerfile();
        String opts = env(docker).getOrDefault("JAVA_OPTS_APPEND", "");
        String cache = docker.stream().filter(i -> i.is("RUN")).map(Instruction::args)
                .filter(run -> run.contains("-XX:AOTCacheOutput=")).findFirst()
                .map(run -> {
                    assertTrue(run.contains("quarkus-run.jar"), run);
                    assertTrue(run.contains(env(docker).getOrDefault("GC_CONTAINER_OPTIONS", "?")), "the same GC: " + run);
                    assertEquals(opts.contains("-XX:+UseCompactObjectHeaders"), run.contains("-XX:+UseCompactObjectHeaders"),
                            "the same object headers: " + run);
                    return run.replaceAll(".*-XX:AOTCacheOutput=(\\S+).*", "$1");
                })
                .orElseThrow(() -> new AssertionError("the image writes an AOT cache with its own JVM"));
        assertTrue(opts.matches(".*-XX:AOTCache=/deployments/" + Pattern.quote(cache) + "( .*|$)"),
                "the JVM starts from /deployments/" + cache + ": " + opts);
        assertTrue(lastIndexOf(docker, "RUN") > lastIndexOf(docker, "COPY"),
                "the cache is written after the application is copied in");
    }

    @Test
    void docker_context_carries_the_copy_sources_and_nothing_from_the_sources_or_git() throws IOException {
        List<String> patterns = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        for (Instruction copy : dockerfile().stream().filter(i -> i.is("COPY")).toList()) {
            String source = copySource(copy.args());
            String sample = source.endsWith("/") ? source + "some/library.jar" : source.replace("*", "quarkus-run");
            assertTrue(inDockerContext(patterns, sample), "COPY source " + source + " reaches the build (" + sample + ")");
        }
        for (String kept : List.of("src/main/java/org/smartbff/config/SmartBffConfig.java", ".git/config", "pom.xml",
                "target/classes/application.properties", "k8s/secret-template.yaml", "helm/smart-bff/values.yaml")) {
            assertFalse(inDockerContext(patterns, kept), kept + " stays out of the build context");
        }
    }

    // ------------------------------------------------------------------------------------------- Kubernetes manifests

    @Test
    void every_kubernetes_manifest_parses_and_names_its_object() {
        List<Path> files = k8sFiles();
        assertTrue(files.size() >= 8, "k8s/ holds the manifests: " + files);
        for (Path file : files) {
            for (JsonNode doc : yamlDocuments(file)) {
                String where = ROOT.relativize(file).toString();
                if (file.getFileName().toString().equals("kustomization.yaml")) {
                    assertEquals("Kustomization", doc.path("kind").asText(), where);
                    continue;
                }
                assertFalse(doc.path("apiVersion").asText().isEmpty(), where + ": apiVersion");
                assertFalse(doc.path("kind").asText().isEmpty(), where + ": kind");
                assertFalse(doc.path("metadata").path("name").asText().isEmpty(), where + ": metadata.name");
                assertFalse(doc.path("metadata").path("labels").path("app.kubernetes.io/name").asText().isEmpty(),
                        where + ": label app.kubernetes.io/name");
            }
        }
    }

    @Test
    void kustomizations_list_existing_files_and_leave_the_secret_template_out() {
        for (Path kustomization : List.of(K8S.resolve("kustomization.yaml"), K8S.resolve("redis-dev/kustomization.yaml"))) {
            JsonNode k = single(kustomization);
            List<String> resources = texts(k.path("resources"));
            assertFalse(resources.isEmpty(), kustomization + " lists resources");
            for (String resource : resources) {
                assertTrue(Files.exists(kustomization.getParent().resolve(resource)), kustomization + ": " + resource);
            }
            assertFalse(resources.contains("secret-template.yaml"),
                    "placeholders must never be applied over a real Secret: " + kustomization);
        }
        Set<String> listed = Set.copyOf(texts(single(K8S.resolve("kustomization.yaml")).path("resources")));
        try (Stream<Path> files = Files.list(K8S)) {
            List<String> unlisted = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.equals("secret-template.yaml"))
                    .filter(n -> !listed.contains(n)).toList();
            assertEquals(List.of(), unlisted, "every manifest of k8s/ is part of the kustomization");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void deployment_runs_two_replicas_of_a_hardened_non_root_container() {
        JsonNode deployment = k8s("deployment.yaml", "Deployment");
        assertEquals(2, deployment.path("spec").path("replicas").asInt());
        assertEquals("RollingUpdate", deployment.path("spec").path("strategy").path("type").asText());
        assertEquals(0, deployment.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt(-1));
        assertHardened(deployment, 185);
    }

    @Test
    void every_pod_in_k8s_including_the_dev_redis_is_hardened() {
        for (Path file : k8sFiles()) {
            for (JsonNode doc : yamlDocuments(file)) {
                if (doc.path("kind").asText().equals("Deployment")) {
                    assertHardened(doc, -1);
                }
            }
        }
    }

    @Test
    void probes_use_the_quarkus_health_endpoints_on_the_management_port_9000() {
        JsonNode container = container(k8s("deployment.yaml", "Deployment"));
        Map<String, String> paths = Map.of("startupProbe", "/q/health/started", "livenessProbe", "/q/health/live",
                "readinessProbe", "/q/health/ready");
        paths.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            assertEquals(path, get.path("path").asText(), probe);
            assertEquals(MANAGEMENT_PORT, containerPort(container, get.path("port")), probe + " port");
            assertTrue(container.path(probe).path("periodSeconds").asInt() > 0, probe + " period");
        });
        JsonNode startup = container.path("startupProbe");
        assertTrue(startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt() >= 30,
                "a slow JVM start gets 30 s at least before the kubelet gives up");
    }

    @Test
    void container_requests_and_limits_cpu_and_memory_with_requests_within_limits() {
        JsonNode resources = container(k8s("deployment.yaml", "Deployment")).path("resources");
        assertResources(resources, "k8s/deployment.yaml");
    }

    @Test
    void the_only_writable_path_is_an_empty_dir_at_tmp() {
        JsonNode pod = k8s("deployment.yaml", "Deployment").path("spec").path("template").path("spec");
        JsonNode container = container(k8s("deployment.yaml", "Deployment"));
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        List<String> mounts = new ArrayList<>();
        container.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        assertEquals(List.of("/tmp"), mounts);
        String volume = container.path("volumeMounts").get(0).path("name").asText();
        JsonNode tmp = null;
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("name").asText().equals(volume)) {
                tmp = v;
            }
        }
        assertNotNull(tmp, "volume " + volume);
        assertTrue(tmp.has("emptyDir"), "/tmp is an emptyDir");
    }

    @Test
    void termination_grace_period_outlasts_the_shutdown_delay_plus_the_shutdown_timeout() {
        Properties app = applicationProperties();
        assertEquals("true", app.getProperty("quarkus.shutdown.delay-enabled"),
                "delay-enabled is build time: without it QUARKUS_SHUTDOWN_DELAY would be silently ignored");
        String timeout = app.getProperty("quarkus.shutdown.timeout");
        assertNotNull(timeout, "application.properties sets quarkus.shutdown.timeout");
        Map<String, String> config = configMapData();
        Duration delay = quarkusDuration(config.getOrDefault("QUARKUS_SHUTDOWN_DELAY", "0S"));
        Duration total = delay.plus(quarkusDuration(config.getOrDefault("QUARKUS_SHUTDOWN_TIMEOUT", timeout)));
        int grace = k8s("deployment.yaml", "Deployment").path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds").asInt();
        assertTrue(grace > total.toSeconds(), "grace " + grace + " s > delay + timeout " + total);
        assertFalse(container(k8s("deployment.yaml", "Deployment")).path("lifecycle").path("preStop").path("exec")
                .toString().contains("sleep"), "no preStop sleep binary: the delay happens in the app");
    }

    @Test
    void replicas_spread_over_nodes_and_zones() {
        JsonNode pod = k8s("deployment.yaml", "Deployment").path("spec").path("template");
        Set<String> keys = new TreeSet<>();
        for (JsonNode c : pod.path("spec").path("topologySpreadConstraints")) {
            keys.add(c.path("topologyKey").asText());
            assertEquals(pod.path("metadata").path("labels"), c.path("labelSelector").path("matchLabels"),
                    "the constraint selects the Deployment's own pods");
        }
        assertEquals(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"), keys);
    }

    @Test
    void configuration_comes_from_the_config_map_and_secrets_from_the_secret_by_key() {
        JsonNode container = container(k8s("deployment.yaml", "Deployment"));
        JsonNode configMap = k8s("configmap.yaml", "ConfigMap");
        JsonNode secret = k8s("secret-template.yaml", "Secret");
        List<String> configMapRefs = new ArrayList<>();
        container.path("envFrom").forEach(e -> configMapRefs.add(e.path("configMapRef").path("name").asText()));
        assertEquals(List.of(configMap.path("metadata").path("name").asText()), configMapRefs);
        assertFalse(container.path("envFrom").toString().contains("secretRef"),
                "secrets are mapped one key at a time, never a whole Secret into the environment");
        Set<String> secretKeys = fieldNames(secret.path("stringData"));
        Set<String> mapped = new TreeSet<>();
        for (JsonNode env : container.path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (ref.isMissingNode()) {
                continue;
            }
            assertEquals(secret.path("metadata").path("name").asText(), ref.path("name").asText(), env.toString());
            assertTrue(secretKeys.contains(ref.path("key").asText()), "the template documents " + ref);
            mapped.add(ref.path("key").asText());
        }
        assertEquals(secretKeys, mapped, "every key of the Secret template reaches the container");
        assertTrue(mapped.containsAll(Set.of("SMART_BFF_SESSION_ENCRYPTION_KEY", "QUARKUS_REDIS_HOSTS")));
    }

    @Test
    void every_environment_variable_the_manifests_set_is_one_the_app_reads() {
        Set<String> names = new TreeSet<>(configMapData().keySet());
        names.addAll(fieldNames(k8s("secret-template.yaml", "Secret").path("stringData")));
        container(k8s("deployment.yaml", "Deployment")).path("env").forEach(e -> names.add(e.path("name").asText()));
        List<String> unknown = names.stream().filter(n -> !AppEnvironment.reads(n)).toList();
        assertEquals(List.of(), unknown, "set but never read (a typo, or a property of an extension not in the build)");
    }

    @Test
    void config_map_and_secret_configure_the_default_server_as_the_app_maps_them() {
        Map<String, String> env = new LinkedHashMap<>(configMapData());
        fieldNames(k8s("secret-template.yaml", "Secret").path("stringData")).forEach(k -> env.put(k, "x"));
        env.put("SMART_BFF_SESSION_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(new byte[32]));
        SmartBffConfig config = mapConfig(env);
        assertTrue(config.servers().containsKey(config.defaultServer()),
                "default server " + config.defaultServer() + " among " + config.servers().keySet());
        assertEquals(env.get("SMART_BFF_PUBLIC_URL"), config.publicUrl());
        assertFalse(config.publicUrl().endsWith("/"), "public URL without trailing slash");
        SmartBffConfig.Server server = config.servers().get(config.defaultServer());
        assertTrue(server.fhirBaseUrl().startsWith("https://"), server.fhirBaseUrl());
    }

    @Test
    void secret_template_holds_placeholders_only() {
        JsonNode secret = k8s("secret-template.yaml", "Secret");
        assertFalse(secret.has("data"), "no base64 data: everything in stringData, visibly a placeholder");
        secret.path("stringData").fields().forEachRemaining(e -> assertEquals(PLACEHOLDER, e.getValue().asText(),
                e.getKey() + " is a placeholder"));
        String text = read(K8S.resolve("secret-template.yaml"));
        assertTrue(text.contains("DO NOT APPLY"), "the template says it must not be applied as is");
        byte[] decoded = decodeOrNull(PLACEHOLDER);
        assertTrue(decoded == null || decoded.length != 32, "the placeholder can never pass for a 32-byte key");
    }

    @Test
    void metrics_are_scraped_from_the_management_port_which_no_service_exposes() {
        JsonNode deployment = k8s("deployment.yaml", "Deployment");
        JsonNode annotations = deployment.path("spec").path("template").path("metadata").path("annotations");
        assertEquals("true", annotations.path("prometheus.io/scrape").asText());
        assertEquals(Integer.toString(MANAGEMENT_PORT), annotations.path("prometheus.io/port").asText());
        assertEquals("/q/metrics", annotations.path("prometheus.io/path").asText());
        assertTrue(read(ROOT.resolve("src/main/resources/application.properties")).lines()
                .anyMatch(line -> line.equals("quarkus.management.enabled=true")), "health and metrics leave port 8080");
        JsonNode container = container(deployment);
        for (JsonNode port : k8s("service.yaml", "Service").path("spec").path("ports")) {
            assertEquals(8080, containerPort(container, port.path("targetPort")), "the Service exposes the app only");
        }
    }

    @Test
    void service_sends_port_80_to_the_named_http_port() {
        JsonNode service = k8s("service.yaml", "Service");
        JsonNode deployment = k8s("deployment.yaml", "Deployment");
        assertEquals("ClusterIP", service.path("spec").path("type").asText());
        JsonNode port = service.path("spec").path("ports").get(0);
        assertEquals("http", port.path("name").asText());
        assertEquals(80, port.path("port").asInt());
        assertEquals(8080, containerPort(container(deployment), port.path("targetPort")));
        assertEquals(deployment.path("spec").path("selector").path("matchLabels"), service.path("spec").path("selector"));
    }

    @Test
    void autoscaler_keeps_two_to_ten_pods_at_70_percent_cpu_and_disruptions_leave_one() {
        JsonNode hpa = k8s("hpa.yaml", "HorizontalPodAutoscaler");
        assertEquals("autoscaling/v2", hpa.path("apiVersion").asText());
        assertEquals("smart-bff", hpa.path("spec").path("scaleTargetRef").path("name").asText());
        assertEquals(2, hpa.path("spec").path("minReplicas").asInt());
        assertEquals(10, hpa.path("spec").path("maxReplicas").asInt());
        JsonNode cpu = hpa.path("spec").path("metrics").get(0).path("resource");
        assertEquals("cpu", cpu.path("name").asText());
        assertEquals(70, cpu.path("target").path("averageUtilization").asInt());

        JsonNode pdb = k8s("pdb.yaml", "PodDisruptionBudget");
        assertEquals(1, pdb.path("spec").path("minAvailable").asInt());
        assertEquals(k8s("deployment.yaml", "Deployment").path("spec").path("selector").path("matchLabels"),
                pdb.path("spec").path("selector").path("matchLabels"));
    }

    @Test
    void network_policy_lets_in_8080_and_the_management_port_only_and_out_dns_redis_and_https_only() {
        JsonNode policy = k8s("networkpolicy.yaml", "NetworkPolicy").path("spec");
        assertEquals(Set.of("Ingress", "Egress"), Set.copyOf(texts(policy.path("policyTypes"))));
        Set<Integer> in = new TreeSet<>();
        policy.path("ingress").forEach(rule -> rule.path("ports").forEach(p -> in.add(p.path("port").asInt())));
        assertEquals(Set.of(8080, MANAGEMENT_PORT), in);
        Set<String> out = new TreeSet<>();
        boolean dnsToKubeSystem = false;
        for (JsonNode rule : policy.path("egress")) {
            assertFalse(rule.path("ports").isMissingNode(), "every egress rule names its ports: " + rule);
            boolean dns = false;
            for (JsonNode p : rule.path("ports")) {
                out.add(p.path("protocol").asText("TCP") + "/" + p.path("port").asInt());
                dns |= p.path("port").asInt() == 53;
            }
            if (dns) {
                dnsToKubeSystem = rule.path("to").toString().contains("\"kube-system\"");
            }
        }
        assertEquals(Set.of("UDP/53", "TCP/53", "TCP/6379", "TCP/6380", "TCP/443"), out);
        assertTrue(dnsToKubeSystem, "DNS goes to kube-system only");
    }

    @Test
    void dev_redis_is_labelled_not_for_production_and_only_smart_bff_may_reach_it() {
        assertTrue(read(K8S.resolve("redis-dev/kustomization.yaml")).contains("NOT FOR PRODUCTION"));
        for (String file : texts(single(K8S.resolve("redis-dev/kustomization.yaml")).path("resources"))) {
            assertTrue(read(K8S.resolve("redis-dev").resolve(file)).contains("NOT FOR PRODUCTION"), file);
            for (JsonNode doc : yamlDocuments(K8S.resolve("redis-dev").resolve(file))) {
                assertEquals("dev-only", doc.path("metadata").path("labels").path("app.kubernetes.io/component").asText(),
                        file);
            }
        }
        JsonNode policy = yamlDocuments(K8S.resolve("redis-dev/networkpolicy.yaml")).get(0).path("spec");
        assertEquals("smart-bff", policy.path("ingress").get(0).path("from").get(0).path("podSelector")
                .path("matchLabels").path("app.kubernetes.io/name").asText());
    }

    // ------------------------------------------------------------------------------------------------------ Helm chart

    @Test
    void values_hold_no_secret_only_the_names_of_secrets() {
        for (Path file : List.of(CHART.resolve("values.yaml"), CHART.resolve("ci/example-values.yaml"))) {
            List<String> leaks = new ArrayList<>();
            eachText(single(file), "", (path, text) -> {
                if (text.matches(".*://[^/\\s@]*:[^/\\s@]+@.*")) {
                    leaks.add(path + ": a URL with a password");
                }
                byte[] decoded = decodeOrNull(text);
                if (decoded != null && decoded.length >= 16 && !text.contains("/")) {
                    leaks.add(path + ": looks like key material");
                }
            });
            assertEquals(List.of(), leaks, ROOT.relativize(file).toString());
        }
        assertEquals("", values().path("redis").path("url").asText(), "no Redis URL (it may carry a password) by default");
    }

    @Test
    void chart_defaults_match_the_kustomize_manifests() {
        JsonNode values = values();
        JsonNode deployment = k8s("deployment.yaml", "Deployment");
        JsonNode container = container(deployment);
        assertEquals(container.path("resources"), values.path("resources"), "resources");
        assertResources(values.path("resources"), "values.yaml");
        for (String probe : List.of("startup", "liveness", "readiness")) {
            JsonNode k = container.path(probe + "Probe");
            JsonNode h = values.path("probes").path(probe);
            assertEquals(k.path("httpGet").path("path").asText(), h.path("path").asText(), probe);
            for (String field : List.of("periodSeconds", "timeoutSeconds", "failureThreshold")) {
                assertEquals(k.path(field).asInt(), h.path(field).asInt(), probe + "." + field);
            }
        }
        assertEquals(MANAGEMENT_PORT, values.path("managementPort").asInt());
        assertEquals(deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt(),
                values.path("terminationGracePeriodSeconds").asInt());
        assertEquals(configMapData().get("QUARKUS_SHUTDOWN_DELAY"), values.path("shutdownDelay").asText());
        assertEquals(deployment.path("spec").path("replicas").asInt(), values.path("replicaCount").asInt());
        assertEquals(2, values.path("autoscaling").path("minReplicas").asInt());
        assertEquals(10, values.path("autoscaling").path("maxReplicas").asInt());
        assertEquals(70, values.path("autoscaling").path("targetCPUUtilizationPercentage").asInt());
        assertEquals(1, values.path("pdb").path("minAvailable").asInt());
        for (String flag : List.of("MaxRAMPercentage", "MinRAMPercentage", "NewRatio")) {
            Matcher ram = Pattern.compile("-XX:" + flag + "=[0-9.]+").matcher(env(dockerfile()).get("JAVA_OPTS_APPEND"));
            assertTrue(ram.find(), flag);
            assertTrue(values.path("javaOpts").asText().contains(ram.group()), "same heap share as the image: " + flag);
        }
        assertEquals(185, values.path("podSecurityContext").path("runAsUser").asInt());
    }

    @Test
    void chart_notes_show_the_redirect_uri_and_the_encryption_key_secret() {
        String notes = read(CHART.resolve("templates/NOTES.txt"));
        assertTrue(notes.contains("{{ .Values.publicUrl }}/auth/callback"), "the redirect URI to register");
        assertTrue(notes.contains(".Values.session.encryptionKeySecret.name"), "which Secret holds the key");
        assertTrue(notes.contains("openssl rand -base64 32"), "how to make a key");
    }

    private static Properties applicationProperties() {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(ROOT.resolve("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** Quarkus' duration format: 25S, 500MS, 1H, 2D, a bare number of seconds, or ISO-8601. */
    private static Duration quarkusDuration(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.startsWith("P")) {
            return Duration.parse(v);
        }
        if (v.matches("[0-9]+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        if (v.endsWith("MS")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("D")) {
            return Duration.ofDays(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.parse("PT" + v);
    }

    // ------------------------------------------------------------------------------------------------- Kubernetes

    private static void assertHardened(JsonNode deployment, int expectedUser) {
        String name = deployment.path("metadata").path("name").asText();
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        assertFalse(pod.path("automountServiceAccountToken").asBoolean(true), name + ": no API token");
        for (JsonNode container : pod.path("containers")) {
            JsonNode c = container.path("securityContext");
            JsonNode p = pod.path("securityContext");
            String where = name + "/" + container.path("name").asText();
            assertTrue(effective(c, p, "runAsNonRoot").asBoolean(), where + ": runAsNonRoot");
            JsonNode user = effective(c, p, "runAsUser");
            assertTrue(user.isInt() && user.asInt() > 0, where + ": numeric non-root runAsUser");
            if (expectedUser > 0) {
                assertEquals(expectedUser, user.asInt(), where + ": the image's USER");
            }
            assertFalse(c.path("allowPrivilegeEscalation").asBoolean(true), where + ": allowPrivilegeEscalation false");
            assertTrue(c.path("readOnlyRootFilesystem").asBoolean(), where + ": readOnlyRootFilesystem");
            assertEquals(List.of("ALL"), texts(c.path("capabilities").path("drop")), where + ": drop ALL capabilities");
            assertTrue(c.path("capabilities").path("add").isMissingNode(), where + ": adds no capability");
            assertEquals("RuntimeDefault", effective(c, p, "seccompProfile").path("type").asText(), where + ": seccomp");
            assertFalse(c.path("privileged").asBoolean(false), where + ": not privileged");
            assertResources(container.path("resources"), where);
        }
    }

    private static JsonNode effective(JsonNode container, JsonNode pod, String field) {
        return container.has(field) ? container.path(field) : pod.path(field);
    }

    private static void assertResources(JsonNode resources, String where) {
        for (String kind : List.of("cpu", "memory")) {
            JsonNode request = resources.path("requests").path(kind);
            JsonNode limit = resources.path("limits").path(kind);
            assertFalse(request.isMissingNode(), where + ": requests." + kind);
            assertFalse(limit.isMissingNode(), where + ": limits." + kind);
            assertTrue(quantity(request.asText()) <= quantity(limit.asText()),
                    where + ": " + kind + " request " + request.asText() + " within limit " + limit.asText());
        }
    }

    /** A Kubernetes quantity in base units: 250m -> 0.25, 1 -> 1, 768Mi -> 805306368. */
    private static double quantity(String q) {
        Matcher m = Pattern.compile("([0-9.]+)([a-zA-Z]*)").matcher(q);
        assertTrue(m.matches(), "quantity " + q);
        double n = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "" -> n;
            case "m" -> n / 1000;
            case "k" -> n * 1e3;
            case "M" -> n * 1e6;
            case "G" -> n * 1e9;
            case "Ki" -> n * 1024;
            case "Mi" -> n * 1024 * 1024;
            case "Gi" -> n * 1024 * 1024 * 1024;
            default -> throw new AssertionError("unit of " + q);
        };
    }

    private static JsonNode container(JsonNode deployment) {
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "one container");
        return containers.get(0);
    }

    private static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port);
    }

    private static Map<String, String> configMapData() {
        Map<String, String> data = new LinkedHashMap<>();
        k8s("configmap.yaml", "ConfigMap").path("data").fields()
                .forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    private static JsonNode k8s(String file, String kind) {
        for (JsonNode doc : yamlDocuments(K8S.resolve(file))) {
            if (doc.path("kind").asText().equals(kind)) {
                return doc;
            }
        }
        throw new AssertionError("no " + kind + " in k8s/" + file);
    }

    private static List<Path> k8sFiles() {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------------- Helm

    private static ObjectNode values() {
        return (ObjectNode) single(CHART.resolve("values.yaml"));
    }

    private static void eachText(JsonNode node, String at, BiConsumer<String, String> visitor) {
        if (node.isTextual()) {
            visitor.accept(at, node.asText());
        } else if (node.isContainerNode()) {
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    eachText(node.get(i), at + "[" + i + "]", visitor);
                }
            } else {
                node.fields().forEachRemaining(e -> eachText(e.getValue(), at + "." + e.getKey(), visitor));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- Dockerfile

    /** One instruction of a Dockerfile: its keyword and its arguments, continuation lines joined. */
    private record Instruction(String keyword, String args) {
        boolean is(String k) {
            return keyword.equals(k);
        }
    }

    private static List<Instruction> dockerfile() {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(DOCKERFILE).split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            boolean continues = trimmed.endsWith("\\");
            current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            if (!continues) {
                String text = current.toString().trim();
                current.setLength(0);
                if (!text.isEmpty()) {
                    int space = text.indexOf(' ');
                    instructions.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT),
                            text.substring(space + 1).trim()));
                }
            }
        }
        return instructions;
    }

    private static int lastIndexOf(List<Instruction> instructions, String keyword) {
        for (int i = instructions.size() - 1; i >= 0; i--) {
            if (instructions.get(i).is(keyword)) {
                return i;
            }
        }
        return -1;
    }

    /** The ENV values of a Dockerfile (KEY=value pairs, values possibly quoted; or the legacy KEY value form). */
    private static Map<String, String> env(List<Instruction> instructions) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|\\S*)");
        for (Instruction i : instructions.stream().filter(i -> i.is("ENV")).toList()) {
            Matcher m = pair.matcher(i.args());
            boolean any = false;
            while (m.find()) {
                any = true;
                String v = m.group(2);
                if (v.length() >= 2 && (v.startsWith("\"") || v.startsWith("'"))) {
                    v = v.substring(1, v.length() - 1);
                }
                env.put(m.group(1), v);
            }
            if (!any) {
                String[] kv = i.args().split("\\s+", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return env;
    }

    private static String copySource(String args) {
        List<String> words = new ArrayList<>(List.of(args.split("\\s+")));
        words.removeIf(w -> w.startsWith("--"));
        assertEquals(2, words.size(), "COPY <source> <destination>: " + args);
        return words.get(0);
    }

    /** Whether a file reaches the Docker build context under these .dockerignore patterns (last match wins). */
    private static boolean inDockerContext(List<String> patterns, String path) {
        boolean included = true;
        for (String pattern : patterns) {
            boolean negated = pattern.startsWith("!");
            String glob = (negated ? pattern.substring(1) : pattern).replaceFirst("^/", "");
            if (matchesItselfOrAParent(glob, path)) {
                included = negated;
            }
        }
        return included;
    }

    private static boolean matchesItselfOrAParent(String glob, String path) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                regex.append(".*");
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        Pattern p = Pattern.compile(regex.toString());
        String candidate = path;
        while (true) {
            if (p.matcher(candidate).matches()) {
                return true;
            }
            int slash = candidate.lastIndexOf('/');
            if (slash < 0) {
                return false;
            }
            candidate = candidate.substring(0, slash);
        }
    }

    // ---------------------------------------------------------------------------------------------------- plumbing

    /** Every document of a (multi-document) YAML file, empty documents left out. */
    private static List<JsonNode> yamlDocuments(Path file) {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isMissingNode() && !doc.isNull() && doc.size() > 0) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(ROOT.relativize(file) + " is valid YAML", e);
        }
        return docs;
    }

    private static JsonNode single(Path file) {
        List<JsonNode> docs = yamlDocuments(file);
        assertEquals(1, docs.size(), file + " holds one document");
        return docs.get(0);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static byte[] decodeOrNull(String text) {
        try {
            return text.length() >= 16 ? Base64.getDecoder().decode(text) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
