package io.hapg.postgres.internal;

import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.StandbyCluster;
import io.hapg.postgres.PostgresConfig;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the configuration of the data directory before every start: {@code postgresql.conf}
 * (hapg owns it; initdb's original becomes {@code postgresql.base.conf} and is included first, or
 * {@link PostgresConfig#customConf()} instead when set), {@code pg_hba.conf}, {@code pg_ident.conf}
 * (when {@link PostgresConfig#pgIdent()} or the cluster's {@link #setClusterFiles pg_ident} is set,
 * as Patroni's {@code replace_pg_ident}), the recovery signal files, and
 * {@code postgresql.auto.conf} cleaned of recovery settings a clone or rewind may have copied from
 * the source. Everything is rewritten because pg_basebackup and pg_rewind copy the source's files,
 * its port included.
 *
 * <p>The first three files go into {@link PostgresConfig#effectiveConfigDir() the configuration
 * directory} (Patroni's {@code config_dir}); when it is not the data directory, {@code postgresql.conf}
 * names {@code hba_file} and {@code ident_file} there, and PostgreSQL is started with
 * {@code --config-file} pointing at it. The copies of the source's {@code postgresql.conf},
 * {@code pg_hba.conf} and {@code pg_ident.conf} that pg_basebackup or pg_rewind leave in the data
 * directory are then never read, by PostgreSQL nor by hapg: harmless, and left alone. The signal
 * files and {@code postgresql.auto.conf} always live in the data directory, as PostgreSQL wants.
 *
 * <p>The settings are hapg's own, then the cluster's dynamic {@code postgresql.parameters}
 * ({@link #setClusterParameters}), then the node's local ones, which win; then the node's
 * {@link PostgresConfig#recoveryConf()} (else the cluster's, {@link #setClusterFiles}; on every
 * role, inert outside recovery), then hapg's own recovery settings and, in recovery, the
 * {@code standby_cluster} ones, in the order of Patroni's {@code build_recovery_params}.
 * Thread-safe: the loop thread may change the cluster's settings while an operation writes the
 * files.
 */
public final class ConfigFiles {
    public static final String HEADER = "# Managed by hapg";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigFiles.class);
    private static final String BASE_CONF = "postgresql.base.conf";
    private static final String CONF = "postgresql.conf";
    private static final Set<String> AUTO_CONF_DROPPED = Set.of("primary_conninfo", "primary_slot_name");

    private final PostgresConfig config;
    private final OsUser owner;
    private final Path socketDir;
    private final Path passFile;
    private Map<String, String> clusterParameters = Map.of();
    private Optional<StandbyCluster> standbyCluster = Optional.empty();
    /** The cluster's pg_ident lines and usable recovery_conf settings; the node's own win when set. */
    private ClusterPgFiles clusterFiles = ClusterPgFiles.NONE;
    /** What the last write configured (upstream, standby), to rewrite it when the cluster's settings change. */
    private Optional<Runnable> lastWrite = Optional.empty();

    public ConfigFiles(PostgresConfig config, OsUser owner, Path socketDir, Path passFile) {
        this.config = config;
        this.owner = owner;
        this.socketDir = socketDir;
        this.passFile = passFile;
    }

    /**
     * Where a replica streams from, and through which slot.
     *
     * @param remote the upstream is a standby cluster's remote primary (the settings of
     *               {@link #setStandbyCluster} that apply to the standby leader only are written)
     */
    public record Upstream(Conninfo.Endpoint endpoint, Optional<String> slot, boolean remote) {
        public Upstream(Conninfo.Endpoint endpoint, Optional<String> slot) {
            this(endpoint, slot, false);
        }
    }

    /**
     * The {@code standby_cluster} section in force, whose recovery settings every replica
     * configuration carries; if it changed and the files were written before, rewrites them as
     * last written.
     *
     * @return whether it changed
     */
    public synchronized boolean setStandbyCluster(Optional<StandbyCluster> section) {
        if (section.equals(standbyCluster)) {
            return false;
        }
        standbyCluster = section;
        lastWrite.ifPresent(Runnable::run);
        return true;
    }

    /** The {@code standby_cluster} section last set. */
    public synchronized Optional<StandbyCluster> standbyCluster() {
        return standbyCluster;
    }

    /** Configures the data directory to start as a primary. */
    public synchronized void writePrimary() {
        remember(() -> write(Optional.empty(), false));
    }

    /** Configures the data directory to start as (or reload into) a replica of {@code upstream}. */
    public synchronized void writeReplica(Upstream upstream) {
        remember(() -> write(Optional.of(upstream), true));
    }

    /** Configures the data directory to start in recovery with no upstream: read-only. */
    public synchronized void writeStandbyWithoutUpstream() {
        remember(() -> write(Optional.empty(), true));
    }

    /**
     * Sets the cluster's dynamic {@code postgresql.parameters} (keys hapg manages are left out, in
     * any case, and so is, with a warning, a setting {@link DynamicConfig#checkParameter} refuses)
     * and, if the files were written before, rewrites them as last written.
     *
     * @return the keys whose value changed
     */
    public synchronized Set<String> setClusterParameters(Map<String, String> parameters) {
        Map<String, String> usable = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            if (DynamicConfig.isManagedParameter(name)) {
                return; // PORT or Include as much as port or include: PostgreSQL names ignore case
            }
            try {
                DynamicConfig.checkParameter(name, value);
                usable.put(name, value);
            } catch (IllegalArgumentException e) {
                LOG.warn("{} - not writing a cluster setting into postgresql.conf: {}", config.memberName(),
                        e.getMessage());
            }
        });
        Set<String> changed = new TreeSet<>(usable.keySet());
        changed.addAll(clusterParameters.keySet());
        changed.removeIf(key -> Objects.equals(usable.get(key), clusterParameters.get(key)));
        clusterParameters = Map.copyOf(usable);
        if (!changed.isEmpty()) {
            lastWrite.ifPresent(Runnable::run);
        }
        return changed;
    }

    /**
     * Sets the cluster's {@code pg_ident} and {@code recovery_conf}: each is written unless
     * {@link PostgresConfig#pgIdent()} or {@link PostgresConfig#recoveryConf()} is set (the node's own
     * wins, whole, as Patroni's {@code _build_effective_configuration}). A recovery setting hapg
     * writes itself, a trigger file or a managed setting is left out with a warning (Patroni ignores
     * the first kind). If what is written changed and the files were written before, rewrites them
     * as last written.
     *
     * @return whether what is written changed
     */
    public synchronized boolean setClusterFiles(ClusterPgFiles files) {
        Map<String, String> usable = new LinkedHashMap<>();
        files.recoveryConf().forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (PostgresConfig.isOwnRecoverySetting(name) || DynamicConfig.isManagedParameter(name)
                    || PostgresConfig.RECOVERY_TRIGGER_SETTINGS.contains(lower)) {
                LOG.warn("{} - not writing cluster setting postgresql.recovery_conf.{}: {}", config.memberName(), name,
                        PostgresConfig.RECOVERY_TRIGGER_SETTINGS.contains(lower) ? "a trigger file would promote"
                                + " outside the leader key" : "hapg writes it itself (Patroni ignores it too)");
            } else {
                usable.put(name, value);
            }
        });
        List<String> identBefore = pgIdent();
        Map<String, String> recoveryBefore = recoveryConf();
        clusterFiles = new ClusterPgFiles(files.pgIdent(), usable);
        boolean changed = !identBefore.equals(pgIdent()) || !recoveryBefore.equals(recoveryConf());
        if (changed) {
            lastWrite.ifPresent(Runnable::run);
        }
        return changed;
    }

    /** The {@code pg_ident.conf} lines in force: the node's own when set, else the cluster's. */
    private List<String> pgIdent() {
        return !config.pgIdent().isEmpty() ? config.pgIdent() : clusterFiles.pgIdent();
    }

    /** The recovery settings in force: the node's own when set, else the cluster's. */
    private Map<String, String> recoveryConf() {
        return !config.recoveryConf().isEmpty() ? config.recoveryConf() : clusterFiles.recoveryConf();
    }

    private void remember(Runnable write) {
        write.run();
        lastWrite = Optional.of(write);
    }

    /** The {@code primary_conninfo} hapg writes for {@code upstream}. */
    public synchronized String primaryConninfo(Conninfo.Endpoint upstream) {
        return primaryConninfo(new Upstream(upstream, Optional.empty()));
    }

    /**
     * The {@code primary_conninfo} hapg writes for {@code upstream}: with
     * {@code target_session_attrs=read-write} towards a remote primary through a slot, as Patroni
     * (a standby leader using a slot must reach the remote cluster's primary).
     */
    public synchronized String primaryConninfo(Upstream upstream) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("host", upstream.endpoint().host());
        params.put("port", Integer.toString(upstream.endpoint().port()));
        params.put("user", config.replication().username());
        params.put("application_name", config.memberName());
        params.put("passfile", passFile.toString());
        params.put("connect_timeout", "5");
        params.putAll(config.replication().options());
        if (upstream.remote() && upstream.slot().isPresent()) {
            params.putIfAbsent("target_session_attrs", "read-write");
        }
        return Conninfo.format(params);
    }

    private void write(Optional<Upstream> upstream, boolean standby) {
        Path data = config.dataDir();
        Path dir = config.effectiveConfigDir();
        adoptOriginalConf(dir);
        StringBuilder conf = new StringBuilder(HEADER).append(" for member ").append(config.memberName())
                .append(": rewritten before every start. Set parameters in the hapg configuration.\n");
        if (config.customConf().isPresent()) {
            // Patroni's custom_conf: included in place of the base file, which is then not read.
            conf.append("include = '").append(config.customConf().get().toString().replace("'", "''"))
                    .append("'\n");
        } else {
            conf.append("include_if_exists = '").append(BASE_CONF).append("'\n");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", config.listenAddresses());
        settings.put("port", Integer.toString(config.port()));
        settings.put("unix_socket_directories", socketDir.toString());
        settings.put("wal_level", "replica");
        settings.put("hot_standby", "on");
        settings.put("wal_log_hints", "on");
        settings.put("max_wal_senders", "10");
        settings.put("max_replication_slots", "10");
        settings.put("wal_keep_size", "128MB");
        if (config.configOutsideDataDir()) {
            // Started with --config-file, PostgreSQL would still look for these in the data directory.
            settings.put("hba_file", dir.resolve("pg_hba.conf").toString());
            settings.put("ident_file", dir.resolve("pg_ident.conf").toString());
            // With --config-file, a data_directory in an included file (Debian's postgresql.conf has
            // one) would win over -D: the data directory is hapg's, always.
            settings.put("data_directory", data.toString());
        }
        settings.putAll(clusterParameters);
        settings.putAll(config.parameters());
        // Before hapg's own recovery settings: Patroni's build_recovery_params lets none of them be
        // overridden (PostgresConfig and setClusterFiles keep those names out), and the
        // standby_cluster section below wins over restore_command and archive_cleanup_command.
        // Patroni writes them for followers only; here on every role, where they are inert outside
        // recovery, for the same reason as recovery_target_timeline below (PostgreSQL 13's
        // restore_command is restart-only).
        settings.putAll(recoveryConf());
        // On every role, not just replicas: removing a restart-only setting from the file marks
        // it pending restart at the next reload (a promoted primary would show one forever).
        settings.put("recovery_target_timeline", "latest");
        upstream.ifPresent(u -> {
            settings.put("primary_conninfo", primaryConninfo(u));
            u.slot().ifPresent(slot -> settings.put("primary_slot_name", slot));
        });
        if (standby) {
            standbyCluster.ifPresent(section -> settings.putAll(
                    section.recoverySettings(upstream.map(Upstream::remote).orElse(false))));
        }
        settings.forEach((k, v) -> {
            // The callers check their settings; a line break getting here would still start a line of its own.
            if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || k.indexOf('\n') >= 0 || k.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("not writing " + dir.resolve(CONF) + ": setting "
                        + k.strip() + " has a line break");
            }
            conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n");
        });
        PassFile.writePrivate(dir.resolve(CONF), conf.toString(), owner);
        PassFile.writePrivate(dir.resolve("pg_hba.conf"), hba(), owner);
        if (!pgIdent().isEmpty()) {
            // Only when set, as Patroni: otherwise initdb's (or the clone source's) file stays.
            // ident_file is a managed setting, so PostgreSQL reads this file.
            PassFile.writePrivate(dir.resolve("pg_ident.conf"), ident(), owner);
        } else if (config.configOutsideDataDir()
                && !Files.exists(dir.resolve("pg_ident.conf"), LinkOption.NOFOLLOW_LINKS)) {
            // ident_file names it: an empty map, as Patroni's restore_configuration_files creates.
            PassFile.writePrivate(dir.resolve("pg_ident.conf"), ident(), owner);
        }
        cleanAutoConf(data.resolve("postgresql.auto.conf"));
        delete(data.resolve("recovery.signal"));
        if (standby) {
            PassFile.writePrivate(data.resolve("standby.signal"), "", owner);
        } else {
            delete(data.resolve("standby.signal"));
        }
    }

    private String hba() {
        List<String> lines = new ArrayList<>(List.of("# " + HEADER.substring(2) + ": rewritten before every start"));
        if (!config.pgHba().isEmpty()) {
            lines.addAll(config.pgHba());
        } else {
            String method = config.superuser().password().isPresent() ? "scram-sha-256" : "trust";
            for (String db : List.of("all", "replication")) {
                lines.add("local " + db + " all " + method);
                lines.add("host " + db + " all 127.0.0.1/32 " + method);
                lines.add("host " + db + " all ::1/128 " + method);
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private String ident() {
        List<String> lines = new ArrayList<>(List.of("# " + HEADER.substring(2) + ": rewritten before every start"));
        lines.addAll(pgIdent());
        return String.join("\n", lines) + "\n";
    }

    /**
     * A configuration directory hapg did not configure yet keeps its own settings as the base file
     * (with {@link PostgresConfig#customConf()}, moved aside all the same but not included).
     */
    private void adoptOriginalConf(Path dir) {
        Path conf = dir.resolve(CONF);
        Path base = dir.resolve(BASE_CONF);
        try {
            // A link is not hapg's file: it is moved aside unread (a root agent reads no link there).
            if (Files.exists(conf, LinkOption.NOFOLLOW_LINKS) && !Files.exists(base, LinkOption.NOFOLLOW_LINKS)
                    && (Files.isSymbolicLink(conf) || !NoFollowFiles.readFrom(conf, 0).startsWith(HEADER))) {
                Files.move(conf, base, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + conf + " to " + base, e);
        }
    }

    /**
     * Right after initdb, with the configuration directory outside the data directory: initdb's
     * {@code postgresql.conf} (its memory, locale and time zone settings) becomes the base file there,
     * unless the directory already has a {@code postgresql.conf} or base file of its own (as
     * Debian's {@code pg_createcluster} leaves). Only then is a file of the data directory read: a
     * later one may be a clone source's copy. Copied, not moved: a member keeping its configuration
     * in its data directory that clones from this one adopts initdb's file from the copy.
     */
    public synchronized void adoptInitdbConf() {
        if (!config.configOutsideDataDir()) {
            return;
        }
        Path dir = config.effectiveConfigDir();
        Path initdbConf = config.dataDir().resolve(CONF);
        Path base = dir.resolve(BASE_CONF);
        if (Files.exists(dir.resolve(CONF), LinkOption.NOFOLLOW_LINKS) || Files.exists(base, LinkOption.NOFOLLOW_LINKS)
                || !Files.isRegularFile(initdbConf, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        PassFile.writePrivate(base, NoFollowFiles.readFrom(initdbConf, 0), owner);
        LOG.info("{} - initdb's {} copied to {}", config.memberName(), initdbConf, base);
    }

    private void cleanAutoConf(Path autoConf) {
        if (!Files.exists(autoConf, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        boolean changed = false;
        for (String line : NoFollowFiles.readFrom(autoConf, 0).split("\n")) {
            String key = line.split("=", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (AUTO_CONF_DROPPED.contains(key)) {
                changed = true;
            } else {
                kept.add(line);
            }
        }
        if (changed) {
            PassFile.writePrivate(autoConf, String.join("\n", kept) + "\n", owner);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }
}
