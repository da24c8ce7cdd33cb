package io.hapg.testkit;

/**
 * An executable a launcher needs (etcd, pg_ctl, ...) cannot be found. The message names the
 * executable, where the launcher looked and how to install it, so a red build explains itself.
 */
public final class MissingBinaryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String binary;
    private final String installHint;

    /**
     * An executable missing from the PATH.
     *
     * @param binary the executable's file name, for example {@code etcd}
     * @param installHint the command that installs it, for example
     *     {@code sudo apt-get install -y etcd-server}
     */
    public MissingBinaryException(String binary, String installHint) {
        this(binary, "on PATH", installHint);
    }

    /**
     * An executable missing from where the launcher looked.
     *
     * @param binary the executable's file name, for example {@code etcd}
     * @param searched where the launcher looked, completing "etcd not found ...", for example
     *     {@code "on PATH (or -Dhapg.etcd.bin / HAPG_ETCD_BIN)"} or {@code "at /opt/etcd/etcd"}
     * @param installHint the command that installs it
     */
    public MissingBinaryException(String binary, String searched, String installHint) {
        super(binary + " not found " + searched + ". Install it: " + installHint);
        this.binary = binary;
        this.installHint = installHint;
    }

    /** The executable's file name. */
    public String binary() {
        return binary;
    }

    /** The command that installs the executable. */
    public String installHint() {
        return installHint;
    }
}
