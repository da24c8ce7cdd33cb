package io.hapg.examples.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The PNG plots (JFreeChart, headless): per fault scenario, commits per 100 ms around the fault
 * (one line per system and repetition, the fault marked at 0 s); per time metric, the median of
 * each scenario as bars, one bar per system; the 100 pools' retarget times as a cumulative
 * distribution, one line per system.
 */
final class BenchPlots {
    private static final long BIN_NANOS = 100_000_000L;
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 500;

    private BenchPlots() {
    }

    /** Writes every plot into {@code dir}; returns the files written. */
    static List<Path> write(Path dir, List<FaultBench.Timeline> timelines, BenchReport report) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> written = new ArrayList<>();
        Map<String, List<FaultBench.Timeline>> byScenario = new LinkedHashMap<>();
        timelines.forEach(t -> byScenario.computeIfAbsent(t.label().replaceAll(" #\\d+$", ""),
                k -> new ArrayList<>()).add(t));
        for (Map.Entry<String, List<FaultBench.Timeline>> e : byScenario.entrySet()) {
            Path file = dir.resolve("commits-" + slug(e.getKey()) + ".png");
            ChartUtils.saveChartAsPNG(file.toFile(), commits(e.getKey(), e.getValue()), WIDTH, HEIGHT);
            written.add(file);
        }
        for (String metric : List.of(FaultBench.FIRST_COMMIT, FaultBench.WRITE_GAP, FaultBench.NEW_PRIMARY)) {
            DefaultCategoryDataset bars = medians(report, metric);
            if (bars.getColumnCount() > 0) {
                Path file = dir.resolve("bars-" + slug(metric) + ".png");
                JFreeChart chart = ChartFactory.createBarChart(metric + ", median", "", "seconds", bars,
                        PlotOrientation.HORIZONTAL, true, false, false);
                ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
                written.add(file);
            }
        }
        XYSeriesCollection retargets = distribution(report, PoolRetarget.METRIC);
        if (retargets.getSeriesCount() > 0) {
            Path file = dir.resolve("pools-retargeted.png");
            ChartUtils.saveChartAsPNG(file.toFile(), ChartFactory.createXYLineChart(PoolRetarget.SCENARIO
                    + ": share of pools retargeted", PoolRetarget.METRIC, "% of pools", retargets,
                    PlotOrientation.VERTICAL, true, false, false), WIDTH, HEIGHT);
            written.add(file);
        }
        return written;
    }

    /**
     * Per system, the cumulative share of {@code metric}'s successful samples (all repetitions) at
     * or below each value: where the p50 and p99 of the table sit, and how the tail looks.
     */
    static XYSeriesCollection distribution(BenchReport report, String metric) {
        XYSeriesCollection data = new XYSeriesCollection();
        Map<String, List<Sample>> bySystem = report.samples().stream().filter(s -> s.metric().equals(metric) && s.ok())
                .collect(Collectors.groupingBy(Sample::system, LinkedHashMap::new, Collectors.toList()));
        bySystem.forEach((system, samples) -> {
            double[] sorted = samples.stream().mapToDouble(Sample::value).sorted().toArray();
            XYSeries s = new XYSeries(system);
            for (int i = 0; i < sorted.length; i++) {
                s.add(sorted[i], 100.0 * (i + 1) / sorted.length);
            }
            data.addSeries(s);
        });
        return data;
    }

    private static JFreeChart commits(String scenario, List<FaultBench.Timeline> runs) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (FaultBench.Timeline t : runs) {
            XYSeries s = new XYSeries(t.system() + " " + t.label().replaceAll("^.* (#\\d+)$", "$1"));
            for (Map.Entry<Long, Integer> bin : bins(t).entrySet()) {
                s.add(bin.getKey() * BIN_NANOS / 1e9, bin.getValue());
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(scenario + ": commits per 100 ms", "seconds after the fault",
                "commits per 100 ms", data, PlotOrientation.VERTICAL, true, false, false);
        ValueMarker fault = new ValueMarker(0, Color.RED, new BasicStroke(2f));
        fault.setLabel("fault");
        fault.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        fault.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        ((XYPlot) chart.getPlot()).addDomainMarker(fault);
        return chart;
    }

    /** Commits per 100 ms bin, keyed by the bin's index relative to the fault, empty bins included. */
    static Map<Long, Integer> bins(FaultBench.Timeline t) {
        Map<Long, Integer> bins = new LinkedHashMap<>();
        if (t.commits().length == 0) {
            return bins;
        }
        long first = Math.floorDiv(t.commits()[0] - t.faultNanos(), BIN_NANOS);
        long last = Math.floorDiv(t.commits()[t.commits().length - 1] - t.faultNanos(), BIN_NANOS);
        for (long b = first; b <= last; b++) {
            bins.put(b, 0);
        }
        for (long c : t.commits()) {
            bins.merge(Math.floorDiv(c - t.faultNanos(), BIN_NANOS), 1, Integer::sum);
        }
        return bins;
    }

    private static DefaultCategoryDataset medians(BenchReport report, String metric) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<List<String>, List<Sample>> groups = report.samples().stream().filter(s -> s.metric().equals(metric))
                .collect(Collectors.groupingBy(s -> List.of(s.system(), s.scenario()), LinkedHashMap::new,
                        Collectors.toList()));
        groups.forEach((key, samples) -> {
            BenchReport.Stats st = BenchReport.Stats.of(samples);
            if (st.count() > 0) {
                data.addValue(st.median(), key.get(0), key.get(1));
            }
        });
        return data;
    }

    private static String slug(String text) {
        return text.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
