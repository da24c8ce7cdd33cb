package io.hapg.postgres.internal;

import io.hapg.core.config.PgUser;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The libpq password file ({@code .pgpass} format) the tools and {@code primary_conninfo} read, so
 * that no password appears on a command line or in {@code postgresql.conf}. Mode 0600, owned by
 * the OS user PostgreSQL runs as.
 */
public final class PassFile {
    private PassFile() {
    }

    /** Writes one {@code *:*:*:user:password} line per user that has a password. */
    public static void write(Path file, List<PgUser> users, OsUser owner) {
        Set<String> lines = new LinkedHashSet<>();
        for (PgUser user : users) {
            user.password().ifPresent(p -> lines.add("*:*:*:" + escape(user.username()) + ":" + escape(p.reveal())));
        }
        writePrivate(file, String.join("\n", lines) + "\n", owner);
    }

    /**
     * Writes {@code text} to {@code file} atomically, mode 0600, owned by {@code owner}. The
     * directory may belong to {@code owner}, who may plant links there: the temporary file is
     * created anew (a link in its place is removed, never followed) and written through the channel
     * that created it, never reopened by path; the rename replaces a link at {@code file} itself.
     */
    public static void writePrivate(Path file, String text, OsUser owner) {
        try {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            NoFollowFiles.createNew(tmp, text,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            owner.chown(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String escape(String field) {
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }
}
