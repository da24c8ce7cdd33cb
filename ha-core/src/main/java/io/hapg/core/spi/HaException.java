package io.hapg.core.spi;

/** Root of hapg's unchecked exceptions. */
public class HaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HaException(String message) {
        super(message);
    }

    public HaException(String message, Throwable cause) {
        super(message, cause);
    }
}
