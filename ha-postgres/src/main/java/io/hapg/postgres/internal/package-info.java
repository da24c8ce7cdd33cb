/**
 * Implementation of {@code PostgresNode}; not API, may change without notice. Processes
 * ({@code Postmaster}, {@code ToolRunner}), the data directory ({@code DataDir},
 * {@code ConfigFiles}, {@code ControlData}), JDBC ({@code Jdbc}, {@code Probe}) and the
 * operations ({@code Bootstrap}, {@code Rejoin}, {@code Promotion}, {@code SyncSetting},
 * {@code Slots}). Non-null everywhere.
 */
package io.hapg.postgres.internal;
