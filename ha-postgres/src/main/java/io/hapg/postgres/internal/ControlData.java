package io.hapg.postgres.internal;

import io.hapg.core.model.Lsn;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code pg_controldata} says about a data directory: the system identifier, the cluster
 * state, the latest checkpoint and its timeline.
 */
public record ControlData(Map<String, String> fields) {
    public ControlData {
        fields = Map.copyOf(fields);
    }

    /** Parses the {@code key: value} lines of {@code pg_controldata} (run in the C locale). */
    public static ControlData parse(String output) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new ControlData(fields);
    }

    public Optional<String> systemIdentifier() {
        return Optional.ofNullable(fields.get("Database system identifier"));
    }

    /** {@code shut down}, {@code shut down in recovery}, {@code in production}, {@code in archive recovery}... */
    public String clusterState() {
        return fields.getOrDefault("Database cluster state", "unknown");
    }

    /** The control file says the last shutdown was clean: no crash recovery is due. */
    public boolean cleanShutdown() {
        String state = clusterState();
        return state.equals("shut down") || state.equals("shut down in recovery");
    }

    /** Whether the cluster was last a primary ({@code in production} or shut down as one). */
    public boolean wasPrimary() {
        String state = clusterState();
        return state.equals("shut down") || state.equals("in production");
    }

    /**
     * A replica that stopped without a clean shutdown ({@code in archive recovery} with a minimum
     * recovery point): its position is that point. Patroni reads a zero point as a primary that
     * crashed while being promoted.
     */
    public boolean crashedInRecovery() {
        return clusterState().equals("in archive recovery") && minRecoveryLsn().isPresent();
    }

    /** {@code Minimum recovery ending location}, empty when 0/0 or absent. */
    public Optional<Lsn> minRecoveryLsn() {
        return lsn("Minimum recovery ending location").filter(l -> !l.equals(Lsn.ZERO));
    }

    public Optional<Lsn> checkpointLsn() {
        return lsn("Latest checkpoint location");
    }

    /** The checkpoint's timeline, or the minimum recovery timeline when that is later. */
    public int timeline() {
        int checkpoint = integer("Latest checkpoint's TimeLineID");
        int minRecovery = integer("Min recovery ending loc's timeline");
        return Math.max(checkpoint, minRecovery);
    }

    private Optional<Lsn> lsn(String key) {
        try {
            return Optional.ofNullable(fields.get(key)).map(Lsn::parse);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private int integer(String key) {
        try {
            return Integer.parseInt(fields.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
