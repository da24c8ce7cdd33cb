package io.hapg.agent.ctl;

/**
 * A command that could not be carried out: the REST API refused it, no member answered, or the
 * cluster is in a state that forbids it. {@code hactl} prints the message and exits with
 * {@link #exitCode()}.
 */
final class CtlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit code of a refused or failed action. */
    static final int FAILED = 1;
    /** Exit code of a command line that names something that does not exist or cannot work. */
    static final int USAGE = 2;

    private final int exitCode;

    private CtlException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** The action was refused or failed (exit 1). */
    static CtlException failed(String message) {
        return new CtlException(message, FAILED);
    }

    /** The command line is wrong: unknown command, option or member, missing argument (exit 2). */
    static CtlException usage(String message) {
        return new CtlException(message, USAGE);
    }

    int exitCode() {
        return exitCode;
    }
}
