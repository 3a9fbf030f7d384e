package org.smartbff.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a scenario measured, appended to {@code target/reliability/measurements.tsv} (scenario, figure, value, unit,
 * time), from which {@code bench/reliability-report} writes the tables of docs/reliability.md. The tests assert
 * generous bounds (the machine may be shared); the file keeps the real figures.
 */
final class Measurements {

    static final Path FILE = Path.of("target", "reliability", "measurements.tsv");

    private final String scenario;

    Measurements(String scenario) {
        this.scenario = scenario;
    }

    void record(String figure, double value, String unit) {
        String line = String.join("\t", scenario, figure, String.format(Locale.ROOT, "%.3f", value), unit,
                Instant.now().toString()) + "\n";
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double millis(long nanos) {
        return nanos / 1e6;
    }

    /** The p-th percentile (0..100, nearest rank) of these nanosecond durations, in milliseconds. */
    static double percentileMillis(List<Long> nanos, double p) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return millis(sorted[Math.max(0, Math.min(sorted.length - 1, rank))]);
    }

    /** A sample's value in Prometheus text ({@code name} with its labels, e.g. {@code smart_bff_x_count}), or 0. */
    static double metric(String prometheus, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$")
                .matcher(prometheus);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
