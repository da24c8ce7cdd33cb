package io.hapg.hikari;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles for the printed figures. */
final class Stats {
    private Stats() {
    }

    static long percentile(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static long median(List<Long> values) {
        return percentile(values, 50);
    }
}
