package io.hapg.core.model;

/**
 * When a replica's data directory may be emptied to re-clone it: Patroni's
 * {@code postgresql.remove_data_directory_on_rewind_failure} and
 * {@code postgresql.remove_data_directory_on_diverged_timelines}, both false by default. With
 * both false a node that diverged from the leader and cannot be rewound keeps its data: it runs as
 * a replica that cannot stream until an operator reinitializes it ({@code POST /reinitialize},
 * {@code hactl reinit}), as Patroni does.
 *
 * @param onRewindFailure     re-clone when pg_rewind failed
 * @param onDivergedTimelines re-clone when the timelines diverged and pg_rewind cannot run
 *                            ({@code use_pg_rewind} off) or failed
 */
public record DataRemoval(boolean onRewindFailure, boolean onDivergedTimelines) {
    /** Patroni's default: never empty a data directory on its own. */
    public static final DataRemoval NEVER = new DataRemoval(false, false);
    /** Re-clone whatever cannot be rewound. */
    public static final DataRemoval ALWAYS = new DataRemoval(true, true);

    /** Whether a node whose pg_rewind failed is re-cloned (either key: Patroni checks both then). */
    public boolean afterRewindFailure() {
        return onRewindFailure || onDivergedTimelines;
    }
}
