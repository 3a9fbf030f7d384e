package org.smartbff.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by Debian's chromedriver, given by path (nothing is downloaded), with a profile of
 * its own that is deleted on {@link #close()}.
 *
 * <p>
 * Without Chromium the browser tests are reported as skipped, with the install hint, so that {@code ./mvnw verify} is
 * green on a machine with only a JDK. CI installs Chromium and sets the system property {@value #REQUIRED} to
 * {@code required} ({@code .ci/run}), which turns a missing browser into a failure: there a browser test can never be
 * skipped silently.
 */
final class Chromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /**
     * The system property that makes the browser tests mandatory ({@code =required}); outside the {@code smart-bff.}
     * prefix, whose unknown names the application's configuration refuses.
     */
    static final String REQUIRED = "browser-test";
    static final String MISSING = "Chromium not found at " + BINARY + " and " + DRIVER
            + ": apt-get install chromium chromium-driver";
    /** Generous: the build machine is small and shared. Every wait ends as soon as its condition holds. */
    static final Duration WAIT = Duration.ofSeconds(30);

    final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** @param extraArguments further Chromium switches */
    static Chromium start(String logName, List<String> extraArguments) throws IOException {
        return start(logName, extraArguments, options -> {
        });
    }

    /** @param moreOptions sets further capabilities (logging preferences, say) */
    static Chromium start(String logName, List<String> extraArguments, Consumer<ChromeOptions> moreOptions)
            throws IOException {
        requireBrowser();
        Path output = Path.of("target", "e2e");
        Files.createDirectories(output);
        Path profile = Files.createTempDirectory("smart-bff-e2e-chromium-");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(output.resolve(logName + ".log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--user-data-dir=" + profile, "--window-size=1280,1400", "--lang=en-US");
        options.addArguments(extraArguments);
        moreOptions.accept(options);
        return new Chromium(new ChromeDriver(service, options), profile);
    }

    static boolean installed() {
        return Files.isExecutable(BINARY) && Files.isExecutable(DRIVER);
    }

    /** Skips the calling test where Chromium is missing, or fails it where the browser is required. */
    static void requireBrowser() {
        if ("required".equals(System.getProperty(REQUIRED))) {
            Assertions.assertTrue(installed(), MISSING + " (" + REQUIRED + "=required)");
        }
        Assumptions.assumeTrue(installed(), MISSING);
    }

    WebDriverWait waitFor() {
        return new WebDriverWait(driver, WAIT);
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
