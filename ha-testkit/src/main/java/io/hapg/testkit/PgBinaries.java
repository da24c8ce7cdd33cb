package io.hapg.testkit;

import io.hapg.core.process.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A checked PostgreSQL bin directory: it holds {@code postgres} and {@code initdb}, and
 * {@code postgres --version} reports a supported major version.
 */
final class PgBinaries {
    static final String BINDIR_PROPERTY = "hapg.pg.bindir";
    static final String BINDIR_ENV = "HAPG_PG_BINDIR";
    static final int MIN_MAJOR = 13;
    static final int MAX_MAJOR = 17;
    static final String INSTALL_HINT = "sudo apt-get install -y postgresql (or postgresql-15), or point -D"
            + BINDIR_PROPERTY + " / " + BINDIR_ENV + " at the bin directory of PostgreSQL " + MIN_MAJOR + " to "
            + MAX_MAJOR;
    private static final String SEARCHED = "via -D" + BINDIR_PROPERTY + ", " + BINDIR_ENV
            + ", pg_config --bindir or /usr/lib/postgresql/<" + MIN_MAJOR + ".." + MAX_MAJOR + ">/bin";

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");
    private static final Map<Path, PgBinaries> CHECKED = new ConcurrentHashMap<>();

    private final Path dir;
    private final int majorVersion;

    private PgBinaries(Path dir, int majorVersion) {
        this.dir = dir;
        this.majorVersion = majorVersion;
    }

    /**
     * The bin directory to use: {@code explicit} if given, else the system property or
     * environment variable, else {@code pg_config --bindir}, else the highest
     * {@code /usr/lib/postgresql/<13..17>/bin}.
     *
     * @throws MissingBinaryException when no directory is found, or it lacks postgres/initdb
     * @throws IllegalStateException when the version is unsupported or cannot be read
     */
    static PgBinaries locate(Optional<Path> explicit) {
        Path dir = explicit.or(PgBinaries::configured).or(PgBinaries::fromPgConfig).or(PgBinaries::newestDebian)
                .orElseThrow(() -> new MissingBinaryException("postgres", SEARCHED, INSTALL_HINT));
        return CHECKED.computeIfAbsent(dir.toAbsolutePath().normalize(), PgBinaries::check);
    }

    Path dir() {
        return dir;
    }

    int majorVersion() {
        return majorVersion;
    }

    /**
     * The path of {@code executable} in this directory.
     *
     * @throws MissingBinaryException naming the full path when it is missing or not executable
     */
    Path tool(String executable) {
        Path path = dir.resolve(executable);
        if (!Files.isExecutable(path) || Files.isDirectory(path)) {
            throw new MissingBinaryException(executable, "at " + path, INSTALL_HINT);
        }
        return path;
    }

    private static PgBinaries check(Path dir) {
        PgBinaries unchecked = new PgBinaries(dir, 0);
        Path postgres = unchecked.tool("postgres");
        unchecked.tool("initdb");
        Commands.Result result = Commands.run(List.of(postgres.toString(), "--version"));
        Matcher matcher = VERSION.matcher(result.output());
        if (result.exitCode() != 0 || !matcher.find()) {
            throw new IllegalStateException("cannot read the version of " + postgres + " (exit " + result.exitCode()
                    + "): " + result.output().trim());
        }
        int major = Integer.parseInt(matcher.group(1));
        if (major < MIN_MAJOR || major > MAX_MAJOR) {
            throw new IllegalStateException(postgres + " is PostgreSQL " + matcher.group(0).replaceAll(".*\\s", "")
                    + "; the testkit supports major versions " + MIN_MAJOR + " to " + MAX_MAJOR + ". " + INSTALL_HINT);
        }
        return new PgBinaries(dir, major);
    }

    private static Optional<Path> configured() {
        for (String setting : new String[] {System.getProperty(BINDIR_PROPERTY), System.getenv(BINDIR_ENV)}) {
            if (setting != null && !setting.isBlank()) {
                return Optional.of(Path.of(setting.trim()));
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> fromPgConfig() {
        return Binaries.onPath("pg_config").flatMap(pgConfig -> {
            Commands.Result result = Commands.run(List.of(pgConfig.toString(), "--bindir"));
            Path dir = Path.of(result.output().trim());
            return result.exitCode() == 0 && Files.isExecutable(dir.resolve("postgres"))
                    ? Optional.of(dir) : Optional.empty();
        });
    }

    private static Optional<Path> newestDebian() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(p -> p.getFileName().toString().matches("\\d+"))
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
