package io.hapg.postgres.internal;

import io.hapg.core.process.Commands;
import io.hapg.core.spi.FatalHaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A checked PostgreSQL bin directory: every tool hapg runs is there, and {@code postgres --version}
 * reports a major version from 13 to 17.
 */
public final class PgBinaries {
    public static final int MIN_MAJOR = 13;
    public static final int MAX_MAJOR = 17;
    private static final List<String> TOOLS = List.of("postgres", "initdb", "pg_basebackup", "pg_rewind",
            "pg_controldata");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

    private final Path dir;
    private final int majorVersion;

    private PgBinaries(Path dir, int majorVersion) {
        this.dir = dir;
        this.majorVersion = majorVersion;
    }

    /**
     * The configured directory, else {@code pg_config --bindir}, else the newest
     * {@code /usr/lib/postgresql/<13..17>/bin}.
     *
     * @throws FatalHaException naming the path when a tool is missing or the version unsupported
     */
    public static PgBinaries locate(Optional<Path> configured) {
        Path dir = configured.or(PgBinaries::fromPgConfig).or(PgBinaries::newestDebian)
                .orElseThrow(() -> new FatalHaException("no PostgreSQL found: set binDir (searched pg_config"
                        + " --bindir and /usr/lib/postgresql/<" + MIN_MAJOR + ".." + MAX_MAJOR + ">/bin)"));
        for (String tool : TOOLS) {
            Path path = dir.resolve(tool);
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new FatalHaException("binDir " + dir + " is not a PostgreSQL bin directory: no executable "
                        + path);
            }
        }
        Commands.Result result = Commands.run(List.of(dir.resolve("postgres").toString(), "--version"),
                Duration.ofSeconds(10));
        Matcher matcher = VERSION.matcher(result.output());
        if (!result.succeeded() || !matcher.find()) {
            throw new FatalHaException("cannot read the version of " + dir.resolve("postgres") + " (exit "
                    + result.exitCode() + "): " + result.output().strip());
        }
        int major = Integer.parseInt(matcher.group(1));
        if (major < MIN_MAJOR || major > MAX_MAJOR) {
            throw new FatalHaException(dir.resolve("postgres") + " is PostgreSQL " + major + "; hapg supports "
                    + MIN_MAJOR + " to " + MAX_MAJOR);
        }
        return new PgBinaries(dir, major);
    }

    public Path dir() {
        return dir;
    }

    public int majorVersion() {
        return majorVersion;
    }

    /** The absolute path of {@code tool} as a string, for a command line. */
    public String tool(String tool) {
        return dir.resolve(tool).toString();
    }

    private static Optional<Path> fromPgConfig() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path pgConfig = Path.of(p.isEmpty() ? "." : p, "pg_config");
            if (Files.isExecutable(pgConfig)) {
                Commands.Result result = Commands.run(List.of(pgConfig.toString(), "--bindir"), Duration.ofSeconds(10));
                Path dir = Path.of(result.output().strip());
                return result.succeeded() && Files.isExecutable(dir.resolve("postgres")) ? Optional.of(dir)
                        : Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> newestDebian() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(p -> p.getFileName().toString().matches("\\d{2}"))
                    .filter(p -> {
                        int v = Integer.parseInt(p.getFileName().toString());
                        return v >= MIN_MAJOR && v <= MAX_MAJOR;
                    })
                    .map(p -> p.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("postgres")))
                    .max(Comparator.comparingInt(bin -> Integer.parseInt(bin.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
