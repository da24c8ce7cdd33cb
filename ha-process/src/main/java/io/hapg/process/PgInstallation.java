package io.hapg.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A PostgreSQL bin directory and the version its {@code postgres --version} reports: where the
 * agent and the test kit find the server, and whether it is a release hapg supports
 * ({@value #MIN_MAJOR} to {@value #MAX_MAJOR}).
 *
 * <p>Only {@code postgres} is looked at. Callers check the other tools they run, decide what to
 * do with an unsupported version ({@link #isSupported()}) and word their own errors, so that the
 * agent's configuration error and the test kit's install hint each name what their user set.
 */
public final class PgInstallation {
    /** The oldest major version hapg supports. */
    public static final int MIN_MAJOR = 13;
    /** The newest major version hapg supports. */
    public static final int MAX_MAJOR = 17;

    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final Path binDir;
    private final Path postgres;
    private final int majorVersion;
    private final String version;

    private PgInstallation(Path binDir, Path postgres, int majorVersion, String version) {
        this.binDir = binDir;
        this.postgres = postgres;
        this.majorVersion = majorVersion;
        this.version = version;
    }

    /**
     * The bin directory to use: {@code configured} when present, as given and unchecked; else the
     * directory the first {@code pg_config} on PATH prints for {@code --bindir}, if it holds an
     * executable {@code postgres}; else the newest {@code /usr/lib/postgresql/<13..17>/bin} that
     * does. Empty when none of these exists; a {@code pg_config} that fails or times out (10 s)
     * counts as absent.
     *
     * @throws IllegalStateException when interrupted while {@code pg_config} runs
     */
    public static Optional<Path> findBinDir(Optional<Path> configured) {
        return configured.or(PgInstallation::fromPgConfig).or(() -> newestUnder(DEBIAN_ROOT));
    }

    /**
     * Runs {@code binDir/postgres --version} (10 s timeout) and reads the version from its
     * {@code (PostgreSQL) 15.4} part. Whether the version is supported is left to the caller.
     *
     * @param unreadable makes the exception thrown when the command fails, times out or prints no
     *     version, from a message naming the executable, the exit code and the output
     * @throws UncheckedIOException when {@code postgres} cannot be started at all (callers check
     *     that it is an executable file first, to name it in their own terms)
     * @throws IllegalStateException when interrupted while {@code postgres --version} runs
     */
    public static PgInstallation inspect(Path binDir, Function<String, ? extends RuntimeException> unreadable) {
        return inspect(binDir, "postgres", unreadable);
    }

    /**
     * {@link #inspect(Path, Function)} for a server whose file in {@code binDir} is named
     * {@code postgresName} (Patroni's {@code postgresql.bin_name.postgres}; an absolute name stands
     * for itself, as Patroni's {@code os.path.join}).
     */
    public static PgInstallation inspect(Path binDir, String postgresName,
            Function<String, ? extends RuntimeException> unreadable) {
        Path postgres = binDir.resolve(postgresName);
        Commands.Result result = Commands.run(List.of(postgres.toString(), "--version"), COMMAND_TIMEOUT);
        Matcher matcher = VERSION.matcher(result.output());
        if (!result.succeeded() || !matcher.find()) {
            throw unreadable.apply("cannot read the version of " + postgres + " (exit " + result.exitCode() + "): "
                    + result.output().strip());
        }
        String major = matcher.group(1);
        String minor = matcher.group(2);
        return new PgInstallation(binDir, postgres, Integer.parseInt(major),
                minor == null ? major : major + "." + minor);
    }

    /** The bin directory, as given to {@link #inspect}. */
    public Path binDir() {
        return binDir;
    }

    /** The {@code postgres} executable in {@link #binDir()}, under the name given to {@link #inspect}. */
    public Path postgres() {
        return postgres;
    }

    /** The major version, for example {@code 15}. */
    public int majorVersion() {
        return majorVersion;
    }

    /** The version as {@code postgres --version} printed it, for example {@code 15.4}, or {@code 17} for a beta. */
    public String version() {
        return version;
    }

    /** Whether {@link #majorVersion()} is one hapg supports, {@value #MIN_MAJOR} to {@value #MAX_MAJOR}. */
    public boolean isSupported() {
        return majorVersion >= MIN_MAJOR && majorVersion <= MAX_MAJOR;
    }

    @Override
    public String toString() {
        return "PostgreSQL " + version + " in " + binDir;
    }

    private static Optional<Path> fromPgConfig() {
        return Commands.onPath("pg_config").flatMap(pgConfig -> {
            Commands.Result result = Commands.run(List.of(pgConfig.toString(), "--bindir"), COMMAND_TIMEOUT);
            Path dir = Path.of(result.output().strip());
            return result.succeeded() && Files.isExecutable(dir.resolve("postgres")) ? Optional.of(dir)
                    : Optional.empty();
        });
    }

    /** The {@code <major>/bin} below {@code root} with the highest supported major and a {@code postgres}. */
    static Optional<Path> newestUnder(Path root) {
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
