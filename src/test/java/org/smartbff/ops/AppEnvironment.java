package org.smartbff.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.smartbff.config.SmartBffConfig;

import io.smallrye.config.WithName;

/**
 * The environment variables smart-bff reads, so that the deployment files (k8s/ manifests, the rendered Helm chart)
 * can be checked to set no variable the application ignores: a typo, or a property of an extension not in the build.
 */
final class AppEnvironment {

    /** Variables that the image's launcher (run-java.sh) reads rather than the application. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("JAVA_OPTS_APPEND");
    private static final List<Pattern> NAMES = appEnvironmentNames();

    private AppEnvironment() {
    }

    /** Patterns of every environment variable name the application reads, as SmallRye Config derives them. */
    private static List<Pattern> appEnvironmentNames() {
        List<String> properties = new ArrayList<>();
        mappedProperties(SmartBffConfig.class, "smart-bff", properties);
        List<Pattern> patterns = new ArrayList<>();
        for (String property : properties) {
            StringBuilder regex = new StringBuilder();
            for (String segment : property.split("\\.")) {
                if (regex.length() > 0) {
                    regex.append('_');
                }
                // A map key: one segment of upper-case letters and digits (HelmChartTest shows why the chart forbids dashes).
                regex.append(
                        segment.equals("*") ? "[A-Z][A-Z0-9]*" : segment.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
            }
            patterns.add(Pattern.compile(regex.toString()));
        }
        quarkusEnvironmentNames().forEach(name -> patterns.add(Pattern.compile(Pattern.quote(name))));
        return patterns;
    }

    /** Whether the application (or the image's launcher) reads this environment variable. */
    static boolean reads(String name) {
        return LAUNCHER_VARIABLES.contains(name) || NAMES.stream().anyMatch(p -> p.matcher(name).matches());
    }

    /** The smart-bff.* property names of a @ConfigMapping tree, with {@code *} for map keys. */
    private static void mappedProperties(Class<?> type, String prefix, List<String> out) {
        for (Method method : type.getMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            WithName withName = method.getAnnotation(WithName.class);
            String name = prefix + "." + (withName != null ? withName.value() : kebab(method.getName()));
            Class<?> returned = method.getReturnType();
            if (Map.class.isAssignableFrom(returned)) {
                Type value = ((ParameterizedType) method.getGenericReturnType()).getActualTypeArguments()[1];
                if (value instanceof Class<?> group && isGroup(group)) {
                    mappedProperties(group, name + ".*", out);
                } else {
                    out.add(name + ".*");
                }
            } else if (isGroup(returned)) {
                mappedProperties(returned, name, out);
            } else {
                out.add(name);
            }
        }
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && type.getName().startsWith(SmartBffConfig.class.getName());
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The QUARKUS_* variables of every extension in the build, from the config model each extension jar ships. */
    private static Set<String> quarkusEnvironmentNames() {
        Set<String> names = new TreeSet<>();
        Pattern env = Pattern.compile("\"environmentVariable\"\\s*:\\s*\"(QUARKUS_[A-Z0-9_]+)\"");
        try {
            Enumeration<URL> models = AppEnvironment.class.getClassLoader()
                    .getResources("META-INF/quarkus-config-doc/quarkus-config-model.json");
            while (models.hasMoreElements()) {
                try (InputStream in = models.nextElement().openStream()) {
                    Matcher m = env.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(names.containsAll(Set.of("QUARKUS_REDIS_HOSTS", "QUARKUS_HTTP_PORT", "QUARKUS_SHUTDOWN_DELAY")),
                "the Quarkus config models are on the test classpath (found " + names.size() + " names)");
        return names;
    }
}
