package org.smartbff.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.smart.SmartServers;

import io.quarkus.runtime.Startup;

/**
 * Which sites may show the app in a frame: the EHR origins configured per server
 * ({@code smart-bff.servers.<name>.frame-ancestors}). Pure: configuration in, the allowed origins out
 * ({@link org.smartbff.web.browser.BrowserProtections} makes the headers). Checked at startup: a value that is not an origin
 * would silently disable framing (or widen it) in the browser.
 */
@ApplicationScoped
@Startup
public class FrameAncestors {

    /** {@code scheme://host[:port]}, the host possibly starting with {@code *.}; nothing else CSP would read. */
    private static final Pattern ORIGIN = Pattern.compile(
            "https?://(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?");

    private final List<String> all;
    private final Map<String, List<String>> byServer = new LinkedHashMap<>();
    private final SmartServers servers;

    public FrameAncestors(SmartBffConfig config, SmartServers servers) {
        this.servers = servers;
        Set<String> union = new LinkedHashSet<>();
        config.servers().forEach((name, server) -> {
            List<String> origins = new ArrayList<>();
            for (String origin : server.frameAncestors().orElse(List.of())) {
                String trimmed = origin.trim();
                if (!ORIGIN.matcher(trimmed).matches()) {
                    throw new IllegalStateException("smart-bff.servers." + name + ".frame-ancestors: '" + trimmed
                            + "' is not an origin (scheme://host[:port], e.g. https://ehr.hospital.example)");
                }
                origins.add(normalize(trimmed));
            }
            union.addAll(origins);
            byServer.put(name, List.copyOf(origins));
        });
        this.all = List.copyOf(union);
        if (config.session().cookieMode() == SmartBffConfig.CookieMode.embedded && all.isEmpty()) {
            throw new IllegalStateException("smart-bff.session.cookie-mode=embedded needs the EHR origins that may frame"
                    + " the app: set smart-bff.servers.<name>.frame-ancestors");
        }
    }

    /** Every configured EHR origin: who may frame the app's pages. */
    public List<String> origins() {
        return all;
    }

    /** The origins of the server an EHR launch with this {@code iss} goes to; empty when it names none. */
    public Optional<List<String>> originsOf(String iss) {
        return iss == null ? Optional.empty() : servers.byIssuer(iss).map(server -> byServer.get(server.name()));
    }

    /** As browsers compare origins; a leading {@code *.} of the host is kept. */
    private static String normalize(String origin) {
        return origin.contains("://*.") ? origin.substring(0, origin.indexOf("://") + 5)
                + Origins.of(origin.replace("://*.", "://")).substring(origin.indexOf("://") + 3)
                : Origins.of(origin);
    }
}
