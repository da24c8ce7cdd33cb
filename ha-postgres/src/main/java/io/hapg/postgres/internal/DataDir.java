package io.hapg.postgres.internal;

import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import io.hapg.core.spi.FatalHaException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The data directory on disk: what it holds, and the only code that deletes in it. Deletion is
 * refused (a {@link FatalHaException} naming the path) unless the directory is empty or holds a
 * PostgreSQL cluster, so a mistyped {@code dataDir} can never wipe unrelated files.
 */
public final class DataDir {
    /** What is in the directory. */
    public enum Content { ABSENT, EMPTY, CLUSTER, FOREIGN }

    private static final Duration WIPE_TIMEOUT = Duration.ofHours(1);

    private final Path path;
    private final OsUser owner;

    public DataDir(Path path, OsUser owner) {
        this.path = path;
        this.owner = owner;
    }

    public Path path() {
        return path;
    }

    public Content content() {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return Content.ABSENT;
        }
        if (!Files.isDirectory(path)) {
            return Content.FOREIGN;
        }
        if (Files.isRegularFile(path.resolve("PG_VERSION"))) {
            return Content.CLUSTER;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isPresent() ? Content.FOREIGN : Content.EMPTY;
        } catch (IOException e) {
            throw new FatalHaException("dataDir " + path + " cannot be listed: " + e.getMessage(), e);
        }
    }

    /** A cluster's data (PG_VERSION and the control file) is there. */
    public boolean isInitialized() {
        return Files.isRegularFile(path.resolve("PG_VERSION")) && Files.isRegularFile(path.resolve("global/pg_control"));
    }

    /** The major version in PG_VERSION, if there is one. */
    public Optional<Integer> majorVersion() {
        try {
            return Optional.of(Integer.parseInt(Files.readString(path.resolve("PG_VERSION"), StandardCharsets.UTF_8)
                    .strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Creates the directory (and missing parents) if needed, owned by the OS user, mode 0700. */
    public void create() {
        try {
            Path parent = path.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                Files.createDirectories(parent);
            }
            if (!Files.isDirectory(path)) {
                Files.createDirectory(path);
            }
            owner.chown(path);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new FatalHaException("cannot create dataDir " + path + ": " + e, e);
        }
    }

    /**
     * Deletes everything inside the directory (the directory itself stays, mode 0700).
     *
     * @throws FatalHaException when it holds something other than a PostgreSQL cluster
     */
    public void wipe() {
        Content content = content();
        if (content == Content.FOREIGN) {
            throw new FatalHaException("dataDir " + path + " is not empty and holds no PostgreSQL cluster"
                    + " (no PG_VERSION); refusing to delete anything in it");
        }
        if (content == Content.CLUSTER) {
            // As the OS user, not as root: that account can change the tree, and could swap a
            // subdirectory for a link between a root walk's listing and its unlinks, which would then
            // delete root's files behind the link. find -delete never follows links.
            Commands.Result result = Commands.run(owner.wrap(List.of("find", path.toString(), "-mindepth", "1",
                    "-delete")), WIPE_TIMEOUT);
            if (!result.succeeded()) {
                throw new UncheckedIOException("cannot empty " + path, new IOException("find -delete as " + owner
                        + " exited with " + result.exitCode() + ": " + result.output().strip()));
            }
        }
        create();
    }
}
