package io.hapg.core.spi;

/**
 * A condition the agent must not run through (the data directory belongs to another cluster,
 * the configuration cannot work). The HA loop stops the node on it; everything else is logged
 * and retried on the next iteration.
 */
public class FatalHaException extends HaException {
    private static final long serialVersionUID = 1L;

    public FatalHaException(String message) {
        super(message);
    }

    public FatalHaException(String message, Throwable cause) {
        super(message, cause);
    }
}
