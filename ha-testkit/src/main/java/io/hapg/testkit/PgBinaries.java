package io.hapg.testkit;

import io.hapg.process.PgInstallation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A checked PostgreSQL bin directory: it holds {@code postgres} and {@code initdb}, and
 * {@code postgres --version} reports a supported major version. Discovery and the version check
 * are {@link PgInstallation}'s; this adds the testkit's own setting and errors that say how to
 * install PostgreSQL.
 */
final class PgBinaries {
    static final String BINDIR_PROPERTY = "hapg.pg.bindir";
    static final String BINDIR_ENV = "HAPG_PG_BINDIR";
    static final int MIN_MAJOR = PgInstallation.MIN_MAJOR;
    static final int MAX_MAJOR = PgInstallation.MAX_MAJOR;
    static final String INSTALL_HINT = "sudo apt-get install -y postgresql (or postgresql-15), or point -D"
            + BINDIR_PROPERTY + " / " + BINDIR_ENV + " at the bin directory of PostgreSQL " + MIN_MAJOR + " to "
            + MAX_MAJOR;
    private static final String SEARCHED = "via -D" + BINDIR_PROPERTY + ", " + BINDIR_ENV
            + ", pg_config --bindir or /usr/lib/postgresql/<" + MIN_MAJOR + ".." + MAX_MAJOR + ">/bin";

    // Every LocalPostgres would otherwise run postgres --version again.
    private static final Map<Path, PgBinaries> CHECKED = new ConcurrentHashMap<>();

    private final PgInstallation installation;

    private PgBinaries(PgInstallation installation) {
        this.installation = installation;
    }

    /**
     * The bin directory to use: {@code explicit} if given, else the system property or
     * environment variable, else what {@link PgInstallation#findBinDir} finds.
     *
     * @throws MissingBinaryException when no directory is found, or it lacks postgres/initdb
     * @throws IllegalStateException when the version is unsupported or cannot be read
     */
    static PgBinaries locate(Optional<Path> explicit) {
        Path dir = PgInstallation.findBinDir(explicit.or(PgBinaries::configured))
                .orElseThrow(() -> new MissingBinaryException("postgres", SEARCHED, INSTALL_HINT));
        return CHECKED.computeIfAbsent(dir.toAbsolutePath().normalize(), PgBinaries::check);
    }

    Path dir() {
        return installation.binDir();
    }

    int majorVersion() {
        return installation.majorVersion();
    }

    /**
     * The path of {@code executable} in this directory.
     *
     * @throws MissingBinaryException naming the full path when it is missing or not executable
     */
    Path tool(String executable) {
        return requireTool(dir(), executable);
    }

    private static PgBinaries check(Path dir) {
        requireTool(dir, "postgres");
        requireTool(dir, "initdb");
        PgInstallation installation = PgInstallation.inspect(dir, IllegalStateException::new);
        if (!installation.isSupported()) {
            throw new IllegalStateException(installation.postgres() + " is PostgreSQL " + installation.version()
                    + "; the testkit supports major versions " + MIN_MAJOR + " to " + MAX_MAJOR + ". " + INSTALL_HINT);
        }
        return new PgBinaries(installation);
    }

    private static Path requireTool(Path dir, String executable) {
        Path path = dir.resolve(executable);
        if (!Files.isExecutable(path) || Files.isDirectory(path)) {
            throw new MissingBinaryException(executable, "at " + path, INSTALL_HINT);
        }
        return path;
    }

    private static Optional<Path> configured() {
        for (String setting : new String[] {System.getProperty(BINDIR_PROPERTY), System.getenv(BINDIR_ENV)}) {
            if (setting != null && !setting.isBlank()) {
                return Optional.of(Path.of(setting.trim()));
            }
        }
        return Optional.empty();
    }
}
