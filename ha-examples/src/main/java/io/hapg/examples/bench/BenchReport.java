package io.hapg.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The samples of a run and what is printed from them: a markdown table, one row per scenario and
 * metric, one column per system with min / median / max over the repetitions (failed samples
 * counted apart), and with two systems the ratio of the medians (hapg / Patroni: below 1 is
 * hapg faster or smaller); and the raw samples as CSV. A metric declared with
 * {@link #percentiles} (many samples per repetition, one per pool) gets one row per percentile
 * instead, over all its samples of the system, and the ratio of those. Thread-safe.
 */
final class BenchReport {
    static final String HAPG = "hapg";
    static final String PATRONI = "patroni";
    static final String CSV_HEADER = "scenario,system,repetition,metric,value,failure";

    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, double[]> percentiles = new LinkedHashMap<>();

    synchronized void add(Sample s) {
        samples.add(s);
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /**
     * Shows {@code metric} as these percentiles (0.5 for p50) over all of a system's samples,
     * every repetition pooled, one row each ({@code metric, p50}), instead of min / median / max.
     */
    synchronized void percentiles(String metric, double... ps) {
        percentiles.put(metric, ps.clone());
    }

    /** Min, median and max of the successful values, and how many attempts failed (with the first reason). */
    record Stats(double min, double median, double max, int count, int failed, Optional<String> firstFailure) {
        static Stats of(List<Sample> samples) {
            double[] v = samples.stream().filter(Sample::ok).mapToDouble(Sample::value).sorted().toArray();
            List<String> failures = samples.stream().filter(s -> !s.ok()).map(s -> s.failure().orElseThrow())
                    .collect(Collectors.toList());
            Optional<String> first = failures.stream().findFirst();
            if (v.length == 0) {
                return new Stats(Double.NaN, Double.NaN, Double.NaN, 0, failures.size(), first);
            }
            return new Stats(v[0], median(v), v[v.length - 1], v.length, failures.size(), first);
        }

        /** The median of sorted values: the middle one, or the mean of the two middle ones. */
        static double median(double[] sorted) {
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        /**
         * The nearest-rank percentile {@code p} (0.99 for p99) of the successful values: the
         * smallest value with at least that share of the values at or below it; NaN when none.
         */
        static double percentile(List<Sample> samples, double p) {
            return percentile(samples.stream().filter(Sample::ok).mapToDouble(Sample::value).sorted().toArray(), p);
        }

        /** The nearest-rank percentile {@code p} of sorted values; NaN when there are none. */
        static double percentile(double[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        /**
         * {@code min / median / max}, one number when there is one sample, plus {@code (k failed)};
         * counts (all three whole) without decimals.
         */
        String cell() {
            boolean whole = min == Math.rint(min) && median == Math.rint(median) && max == Math.rint(max);
            java.util.function.DoubleFunction<String> f = whole ? v -> String.format(Locale.ROOT, "%.0f", v)
                    : BenchReport::format;
            String numbers = count == 0 ? "-" : count == 1 ? f.apply(median)
                    : f.apply(min) + " / " + f.apply(median) + " / " + f.apply(max);
            return withFailed(numbers, failed);
        }
    }

    private static String withFailed(String numbers, int failed) {
        return failed == 0 ? numbers : numbers + " (" + failed + " failed)";
    }

    /** One cell of the table: the text and the number the ratio column compares. */
    private record Cell(String text, double value) {
        static Cell stats(List<Sample> samples) {
            Stats st = Stats.of(samples);
            return new Cell(st.cell(), st.median());
        }

        static Cell percentile(List<Sample> samples, double p) {
            Stats st = Stats.of(samples);
            double v = Stats.percentile(samples, p);
            return new Cell(withFailed(Double.isNaN(v) ? "-" : format(v), st.failed()), v);
        }
    }

    /** The markdown table: the scenarios and metrics in the order they were first measured. */
    synchronized String table() {
        List<String> systems = samples.stream().map(Sample::system).distinct().collect(Collectors.toList());
        Map<List<String>, List<Sample>> rows = new LinkedHashMap<>();
        samples.forEach(s -> rows.computeIfAbsent(List.of(s.scenario(), s.metric()), k -> new ArrayList<>()).add(s));
        boolean ratio = systems.contains(HAPG) && systems.contains(PATRONI);
        StringBuilder t = new StringBuilder("| scenario | metric |");
        systems.forEach(s -> t.append(' ').append(s).append(" (min / median / max) |"));
        if (ratio) {
            t.append(" hapg / patroni |");
        }
        t.append("\n|---|---|").append("---|".repeat(systems.size() + (ratio ? 1 : 0))).append('\n');
        List<String> failures = new ArrayList<>();
        rows.forEach((key, list) -> {
            Map<String, List<Sample>> bySystem = new LinkedHashMap<>();
            systems.forEach(system -> bySystem.put(system, list.stream().filter(s -> s.system().equals(system))
                    .collect(Collectors.toList())));
            double[] ps = percentiles.get(key.get(1));
            if (ps == null) {
                row(t, key.get(0), key.get(1), bySystem, Cell::stats, ratio);
            } else {
                for (double p : ps) {
                    row(t, key.get(0), key.get(1) + ", p" + format(p * 100).replaceAll("\\.?0+$", ""), bySystem,
                            samples -> Cell.percentile(samples, p), ratio);
                }
            }
            for (String system : systems) {
                Stats.of(bySystem.get(system)).firstFailure().ifPresent(f -> failures.add(system + ", " + key.get(0)
                        + ", " + key.get(1) + ": " + f));
            }
        });
        if (!failures.isEmpty()) {
            t.append("\nfailed samples (first reason each):\n");
            failures.forEach(f -> t.append("- ").append(f).append('\n'));
        }
        return t.toString();
    }

    private static void row(StringBuilder t, String scenario, String metric, Map<String, List<Sample>> bySystem,
                            Function<List<Sample>, Cell> cell, boolean ratio) {
        t.append("| ").append(scenario).append(" | ").append(metric).append(" |");
        Map<String, Cell> cells = new LinkedHashMap<>();
        bySystem.forEach((system, samples) -> {
            cells.put(system, cell.apply(samples));
            t.append(' ').append(cells.get(system).text()).append(" |");
        });
        if (ratio) {
            t.append(' ').append(ratio(cells.get(HAPG).value(), cells.get(PATRONI).value())).append(" |");
        }
        t.append('\n');
    }

    /** {@code 0.52x}; {@code -} when either side has no number or the denominator is 0. */
    static String ratio(double hapg, double patroni) {
        if (Double.isNaN(hapg) || Double.isNaN(patroni) || patroni == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2fx", hapg / patroni);
    }

    /** The raw samples, one line each, header first; a failed sample has an empty value and its reason. */
    synchronized String csv() {
        StringBuilder c = new StringBuilder(CSV_HEADER).append('\n');
        for (Sample s : samples) {
            c.append(String.join(",", Arrays.asList(csvField(s.scenario()), csvField(s.system()),
                    Integer.toString(s.repetition()), csvField(s.metric()), s.ok() ? Double.toString(s.value()) : "",
                    csvField(s.failure().orElse(""))))).append('\n');
        }
        return c.toString();
    }

    private static String csvField(String text) {
        String flat = text.replace('\n', ' ');
        return flat.contains(",") || flat.contains("\"") ? '"' + flat.replace("\"", "\"\"") + '"' : flat;
    }

    /** Up to 3 significant decimals: 12.345, 0.042, 9160. */
    static String format(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
