package io.hapg.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An operating-system account, and how to run a command as it.
 *
 * <p>PostgreSQL refuses to run as root, so a JVM running as root runs every PostgreSQL
 * command as {@link #unprivileged()} through util-linux {@code setpriv}, which execs: the PID
 * the JVM sees is the command's own. A JVM running as a normal user runs commands directly.
 */
public final class OsUser {
    /** System property naming the account used when the JVM runs as root. */
    public static final String USER_PROPERTY = "hapg.pg.user";
    /** Environment variable naming the account used when the JVM runs as root. */
    public static final String USER_ENV = "HAPG_PG_USER";
    /** The account used when neither {@link #USER_PROPERTY} nor {@link #USER_ENV} is set. */
    public static final String DEFAULT_USER = "hapg";

    private static final Object CREATE_LOCK = new Object();

    private final String name;
    private final int uid;
    private final int gid;

    private OsUser(String name, int uid, int gid) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
    }

    /** The account this JVM runs as (effective uid and gid from /proc/self/status). */
    public static OsUser current() {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8);
            return new OsUser(System.getProperty("user.name"), statusField(status, "Uid:"),
                    statusField(status, "Gid:"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status to learn the current uid", e);
        }
    }

    /**
     * The account to run PostgreSQL as: {@link #current()} when the JVM is not root; otherwise
     * the account named by {@link #USER_PROPERTY} / {@link #USER_ENV} (default {@code hapg}),
     * created with {@code useradd --system} if missing. A concurrent creation by another process
     * is tolerated.
     *
     * @throws IllegalStateException when the account neither exists nor can be created
     */
    public static OsUser unprivileged() {
        OsUser current = current();
        if (!current.isRoot()) {
            return current;
        }
        String wanted = System.getProperty(USER_PROPERTY, System.getenv(USER_ENV));
        String name = wanted == null || wanted.isBlank() ? DEFAULT_USER : wanted.trim();
        synchronized (CREATE_LOCK) {
            return lookup(name).orElseGet(() -> create(name));
        }
    }

    /** The account called {@code name}, if it exists (as {@code getent passwd} reports it). */
    public static Optional<OsUser> lookup(String name) {
        Commands.Result result = Commands.run(List.of("getent", "passwd", name));
        if (result.exitCode() != 0) {
            return Optional.empty();
        }
        String[] fields = result.output().trim().split(":");
        if (fields.length < 4) {
            throw new IllegalStateException("unexpected getent passwd output for " + name + ": " + result.output());
        }
        return Optional.of(new OsUser(fields[0], Integer.parseInt(fields[2]), Integer.parseInt(fields[3])));
    }

    public String name() {
        return name;
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    public boolean isRoot() {
        return uid == 0;
    }

    /**
     * The command line that runs {@code command} as this user: unchanged when the JVM already
     * runs as this user, wrapped in {@code setpriv --reuid --regid --init-groups --} otherwise.
     *
     * @throws IllegalStateException when the JVM is neither this user nor root
     */
    public List<String> wrap(List<String> command) {
        OsUser current = current();
        if (current.uid == uid) {
            return List.copyOf(command);
        }
        if (!current.isRoot()) {
            throw new IllegalStateException("cannot run commands as " + this + " from " + current + " (not root)");
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Gives {@code path} and everything below it (symbolic links themselves, not their targets)
     * to this user and its primary group. A no-op when the JVM already runs as this user.
     *
     * @throws UncheckedIOException when an owner cannot be changed (the JVM is not root)
     */
    public void chownRecursively(Path path) {
        if (current().uid == uid) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + path + " to " + this, e);
        }
    }

    /**
     * Gives the one file or directory {@code path} (a symbolic link itself, not its target) to this
     * user and its primary group. A no-op when the JVM already runs as this user.
     *
     * @throws UncheckedIOException when the owner cannot be changed (the JVM is not root)
     */
    public void chown(Path path) {
        if (current().uid == uid) {
            return;
        }
        try {
            Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + path + " to " + this, e);
        }
    }

    /**
     * Whether this user may traverse {@code dir} and each of its ancestors, judged from the
     * owner/group/other permission bits (ACLs and supplementary groups are not considered).
     */
    public boolean canTraverse(Path dir) {
        if (isRoot()) {
            return true;
        }
        try {
            for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                int owner = (Integer) Files.getAttribute(p, "unix:uid");
                int group = (Integer) Files.getAttribute(p, "unix:gid");
                int bit = owner == uid ? 0100 : group == gid ? 010 : 01;
                if ((mode & bit) == 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name + "(uid " + uid + ", gid " + gid + ")";
    }

    private static OsUser create(String name) {
        List<String> command = List.of("useradd", "--system", "--user-group", "--no-create-home",
                "--shell", "/usr/sbin/nologin", name);
        String lastOutput = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            Commands.Result result = Commands.run(command);
            Optional<OsUser> created = lookup(name);
            if (created.isPresent()) {
                return created.get(); // created now, or by a concurrent process
            }
            lastOutput = result.output();
            // useradd fails while another process holds the /etc/passwd lock; try again shortly.
            Commands.pause(200);
        }
        throw new IllegalStateException("cannot create OS user " + name + " (" + String.join(" ", command)
                + "): " + lastOutput.trim() + "; create it, or name an existing one with -D" + USER_PROPERTY);
    }

    private static int statusField(List<String> status, String key) {
        for (String line : status) {
            if (line.startsWith(key)) {
                // "Uid:\treal\teffective\tsaved\tfs": the effective id decides what we may do.
                return Integer.parseInt(line.substring(key.length()).trim().split("\\s+")[1]);
            }
        }
        throw new IllegalStateException("no " + key + " line in /proc/self/status");
    }
}
