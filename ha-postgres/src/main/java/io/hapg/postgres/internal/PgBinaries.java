package io.hapg.postgres.internal;

import io.hapg.process.PgInstallation;
import io.hapg.core.spi.FatalHaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checked PostgreSQL bin directory: every tool hapg runs is there, and {@code postgres --version}
 * reports a major version from 13 to 17. Discovery and the version check are
 * {@link PgInstallation}'s; this checks the tools and reports failures as configuration errors
 * about {@code binDir} and {@code binNames}.
 *
 * <p>A tool's file is {@code binDir/<name>}, where the name is the tool's own unless
 * {@link io.hapg.postgres.PostgresConfig#binNames()} renames it (Patroni's
 * {@code postgresql.bin_name}); as in Patroni ({@code os.path.join(bin_dir, name)}), an absolute
 * name stands for itself.
 */
public final class PgBinaries {
    private static final List<String> TOOLS = List.of("postgres", "initdb", "pg_basebackup", "pg_rewind",
            "pg_controldata");

    private final PgInstallation installation;
    private final Map<String, String> names;

    private PgBinaries(PgInstallation installation, Map<String, String> names) {
        this.installation = installation;
        this.names = Map.copyOf(names);
    }

    /**
     * The configured directory, else what {@link PgInstallation#findBinDir} finds, with the tools
     * {@code names} renames (tool to file name, as {@link io.hapg.postgres.PostgresConfig#binNames()}).
     * A renamed tool must be an executable file even when hapg does not run it ({@code pg_isready}),
     * as Patroni's validator requires.
     *
     * @throws FatalHaException naming the path when none is found, a tool is missing or the version
     *     is unreadable or unsupported
     */
    public static PgBinaries locate(Optional<Path> configured, Map<String, String> names) {
        Path dir = PgInstallation.findBinDir(configured)
                .orElseThrow(() -> new FatalHaException("no PostgreSQL found: set binDir (searched pg_config"
                        + " --bindir and /usr/lib/postgresql/<" + PgInstallation.MIN_MAJOR + ".."
                        + PgInstallation.MAX_MAJOR + ">/bin)"));
        for (Map.Entry<String, String> e : names.entrySet()) {
            Path path = dir.resolve(e.getValue());
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new FatalHaException("binNames " + e.getKey() + " (Patroni's postgresql.bin_name."
                        + e.getKey() + "): " + path + " is not an executable file");
            }
        }
        for (String tool : TOOLS) {
            Path path = dir.resolve(names.getOrDefault(tool, tool));
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new FatalHaException("binDir " + dir + " is not a PostgreSQL bin directory: no executable "
                        + path);
            }
        }
        PgInstallation installation = PgInstallation.inspect(dir, names.getOrDefault("postgres", "postgres"),
                FatalHaException::new);
        if (!installation.isSupported()) {
            throw new FatalHaException(installation.postgres() + " is PostgreSQL " + installation.majorVersion()
                    + "; hapg supports " + PgInstallation.MIN_MAJOR + " to " + PgInstallation.MAX_MAJOR);
        }
        return new PgBinaries(installation, names);
    }

    public Path dir() {
        return installation.binDir();
    }

    public int majorVersion() {
        return installation.majorVersion();
    }

    /**
     * The absolute path of {@code tool} (its own name: {@code pg_rewind}) as a string, for a command
     * line: the file {@code binNames} names for it, else the tool's own name, in {@link #dir()}.
     */
    public String tool(String tool) {
        return dir().resolve(names.getOrDefault(tool, tool)).toString();
    }

    /**
     * The name the kernel gives the postmaster ({@code /proc/<pid>/comm}): the file name it was
     * started as, at most 15 bytes. {@code postgres} under its own name.
     */
    public String postgresProcessName() {
        String name = Path.of(tool("postgres")).getFileName().toString();
        return name.length() > 15 ? name.substring(0, 15) : name;
    }
}
