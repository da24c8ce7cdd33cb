package io.hapg.postgres.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * Reads and writes files in directories the PostgreSQL OS user owns (the run directory, the data
 * directory) without following a symbolic link at the file itself. An agent running as root must
 * not: anyone with that account (any database superuser, through {@code COPY ... TO PROGRAM}) can
 * plant a link there and make root append to, or read, any file. Each file is opened once with
 * {@code O_NOFOLLOW} and used through that channel, never reopened by path. A link found in place
 * is an error naming it and its target.
 */
public final class NoFollowFiles {
    private static final int MAX_READ = 1 << 20;

    private NoFollowFiles() {
    }

    /** Appends {@code text} to {@code file} (creating it) and returns the offset where it starts. */
    public static long append(Path file, String text) {
        Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                StandardOpenOption.CREATE, LinkOption.NOFOLLOW_LINKS);
        try (SeekableByteChannel channel = Files.newByteChannel(file, options)) {
            long offset = channel.size();
            writeFully(channel, text);
            return offset;
        } catch (IOException e) {
            throw failure("cannot write", file, e);
        }
    }

    /**
     * Creates {@code file}, which must not exist, with {@code attributes} and writes {@code text}
     * into it through the channel that created it.
     */
    public static void createNew(Path file, String text, FileAttribute<?>... attributes) {
        Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW,
                LinkOption.NOFOLLOW_LINKS);
        try (SeekableByteChannel channel = Files.newByteChannel(file, options, attributes)) {
            writeFully(channel, text);
        } catch (IOException e) {
            throw failure("cannot create", file, e);
        }
    }

    /** Up to 1 MiB of {@code file} from {@code offset} (the last MiB if there is more). */
    public static String readFrom(Path file, long offset) {
        try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            long size = channel.size();
            long start = Math.max(Math.min(offset, size), size - MAX_READ);
            channel.position(start);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - start));
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // until the size read above; a file growing meanwhile is read up to there
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw failure("cannot read", file, e);
        }
    }

    private static void writeFully(SeekableByteChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    private static UncheckedIOException failure(String what, Path file, IOException e) {
        if (Files.isSymbolicLink(file)) {
            String target;
            try {
                target = Files.readSymbolicLink(file).toString();
            } catch (IOException unreadable) {
                target = "?";
            }
            return new UncheckedIOException(what + " " + file + ": it is a symbolic link (to " + target
                    + "), which hapg does not follow in a directory the PostgreSQL OS user owns; remove it", e);
        }
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
        return new UncheckedIOException(what + " " + file + ": " + reason, e);
    }
}
