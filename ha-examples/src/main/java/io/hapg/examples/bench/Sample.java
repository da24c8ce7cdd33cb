package io.hapg.examples.bench;

import java.util.Objects;
import java.util.Optional;

/**
 * One measured number, or one failed attempt at it (the scenario did not recover within its
 * bound, the load could not connect, ...): a failed sample keeps its reason and has no value.
 *
 * @param scenario   e.g. {@code kill -9 primary node}
 * @param system     {@code hapg} or {@code patroni}
 * @param repetition 1-based
 * @param metric     the metric with its unit, e.g. {@code -> first commit (s)}
 * @param value      the number; NaN when failed
 * @param failure    why there is no number, empty when there is one
 */
record Sample(String scenario, String system, int repetition, String metric, double value,
              Optional<String> failure) {
    Sample {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(failure, "failure");
    }

    static Sample of(String scenario, String system, int repetition, String metric, double value) {
        return new Sample(scenario, system, repetition, metric, value, Optional.empty());
    }

    static Sample failed(String scenario, String system, int repetition, String metric, String reason) {
        return new Sample(scenario, system, repetition, metric, Double.NaN, Optional.of(reason));
    }

    boolean ok() {
        return failure.isEmpty();
    }
}
