package io.hapg.core.spi;

/**
 * The consensus store could not answer within the deadline (unreachable, no quorum, timeout).
 * Contention (another member holds the key, a compare-and-set lost) is never reported this way:
 * it is a {@code false} return value.
 */
public class ConsensusUnavailableException extends HaException {
    private static final long serialVersionUID = 1L;

    public ConsensusUnavailableException(String message) {
        super(message);
    }

    public ConsensusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
