package io.hapg.core.testing;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The fault-injection and bookkeeping half shared by the fakes: counts calls per operation, keeps
 * a log of call descriptions, throws queued failures, and makes the next call of an operation
 * hang at a {@link Gate}. Thread-safe; a hang never holds the recorder's lock.
 */
final class CallRecorder {
    private final String owner;
    private final Set<String> operations;
    private final Function<String, RuntimeException> interrupted;
    private final Object lock = new Object();
    private final List<String> log = new ArrayList<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, Deque<Throwable>> failures = new HashMap<>();
    private final Map<String, Gate> armedHangs = new HashMap<>();
    private final Map<String, Gate> latestHangs = new HashMap<>();

    /**
     * @param owner       the fake's name, for messages
     * @param operations  the operation names accepted by {@link #failNext} and {@link #hangNext}
     * @param interrupted makes the exception thrown when a hanging caller is interrupted
     */
    CallRecorder(String owner, Set<String> operations, Function<String, RuntimeException> interrupted) {
        this.owner = owner;
        this.operations = Set.copyOf(operations);
        this.interrupted = interrupted;
    }

    /**
     * Records a call, then hangs if {@link #hangNext} armed it, then throws a queued failure.
     *
     * @param entry the call log line, or null to count the call without logging it
     */
    void enter(String operation, String entry) {
        Gate gate;
        synchronized (lock) {
            counts.merge(operation, 1, Integer::sum);
            if (entry != null) {
                log.add(entry);
            }
            gate = armedHangs.remove(operation);
        }
        if (gate != null) {
            try {
                gate.pass(); // proceeds when released or when the bound passes: a slow call, not a failed one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted.apply(owner + ": " + operation + " interrupted while hanging");
            }
        }
        Throwable failure;
        synchronized (lock) {
            Deque<Throwable> queue = failures.get(operation);
            failure = queue == null ? null : queue.poll();
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure != null) {
            throw (RuntimeException) failure;
        }
    }

    void failNext(String operation, RuntimeException failure) {
        queueFailure(operation, failure);
    }

    /** An {@link Error} (StackOverflowError, OutOfMemoryError): what no iteration can recover from. */
    void failNext(String operation, Error failure) {
        queueFailure(operation, failure);
    }

    private void queueFailure(String operation, Throwable failure) {
        check(operation);
        Objects.requireNonNull(failure, "failure");
        synchronized (lock) {
            failures.computeIfAbsent(operation, k -> new ArrayDeque<>()).add(failure);
        }
    }

    void hangNext(String operation, Duration bound) {
        check(operation);
        Gate gate = new Gate(Objects.requireNonNull(bound, "bound"));
        Gate replaced;
        synchronized (lock) {
            replaced = armedHangs.put(operation, gate);
            latestHangs.put(operation, gate);
        }
        if (replaced != null) {
            replaced.open();
        }
    }

    /** Opens the latest hang armed for {@code operation} (whether or not a caller reached it). */
    void release(String operation) {
        check(operation);
        Gate gate;
        synchronized (lock) {
            armedHangs.remove(operation);
            gate = latestHangs.get(operation);
        }
        if (gate != null) {
            gate.open();
        }
    }

    void releaseAll() {
        List<Gate> gates;
        synchronized (lock) {
            armedHangs.clear();
            gates = new ArrayList<>(latestHangs.values());
        }
        gates.forEach(Gate::open);
    }

    /** Waits until a caller is hanging in {@code operation}; false when none arrived in time. */
    boolean awaitHanging(String operation, Duration timeout) {
        check(operation);
        Gate gate;
        synchronized (lock) {
            gate = latestHangs.get(operation);
        }
        if (gate == null) {
            throw new IllegalStateException(owner + ": no hang armed for " + operation + "; call hangNext first");
        }
        return gate.awaitArrival(timeout);
    }

    List<String> calls() {
        synchronized (lock) {
            return List.copyOf(log);
        }
    }

    int count(String operation) {
        check(operation);
        synchronized (lock) {
            return counts.getOrDefault(operation, 0);
        }
    }

    Map<String, Integer> counts() {
        synchronized (lock) {
            return new TreeMap<>(counts);
        }
    }

    /** Forgets the log and the counts; armed failures and hangs stay armed. */
    void reset() {
        synchronized (lock) {
            log.clear();
            counts.clear();
        }
    }

    private void check(String operation) {
        Objects.requireNonNull(operation, "operation");
        if (!operations.contains(operation)) {
            throw new IllegalArgumentException("operation must be one of " + new TreeSet<>(operations) + ", got '"
                    + operation + "'");
        }
    }
}
