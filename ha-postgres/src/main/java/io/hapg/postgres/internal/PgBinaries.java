package io.hapg.postgres.internal;

import io.hapg.process.PgInstallation;
import io.hapg.core.spi.FatalHaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A checked PostgreSQL bin directory: every tool hapg runs is there, and {@code postgres --version}
 * reports a major version from 13 to 17. Discovery and the version check are
 * {@link PgInstallation}'s; this checks the tools and reports failures as configuration errors
 * about {@code binDir}.
 */
public final class PgBinaries {
    private static final List<String> TOOLS = List.of("postgres", "initdb", "pg_basebackup", "pg_rewind",
            "pg_controldata");

    private final PgInstallation installation;

    private PgBinaries(PgInstallation installation) {
        this.installation = installation;
    }

    /**
     * The configured directory, else what {@link PgInstallation#findBinDir} finds.
     *
     * @throws FatalHaException naming the path when none is found, a tool is missing or the version
     *     is unreadable or unsupported
     */
    public static PgBinaries locate(Optional<Path> configured) {
        Path dir = PgInstallation.findBinDir(configured)
                .orElseThrow(() -> new FatalHaException("no PostgreSQL found: set binDir (searched pg_config"
                        + " --bindir and /usr/lib/postgresql/<" + PgInstallation.MIN_MAJOR + ".."
                        + PgInstallation.MAX_MAJOR + ">/bin)"));
        for (String tool : TOOLS) {
            Path path = dir.resolve(tool);
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new FatalHaException("binDir " + dir + " is not a PostgreSQL bin directory: no executable "
                        + path);
            }
        }
        PgInstallation installation = PgInstallation.inspect(dir, FatalHaException::new);
        if (!installation.isSupported()) {
            throw new FatalHaException(installation.postgres() + " is PostgreSQL " + installation.majorVersion()
                    + "; hapg supports " + PgInstallation.MIN_MAJOR + " to " + PgInstallation.MAX_MAJOR);
        }
        return new PgBinaries(installation);
    }

    public Path dir() {
        return installation.binDir();
    }

    public int majorVersion() {
        return installation.majorVersion();
    }

    /** The absolute path of {@code tool} as a string, for a command line. */
    public String tool(String tool) {
        return dir().resolve(tool).toString();
    }
}
