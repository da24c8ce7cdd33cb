package io.hapg.core.spi;

/** A database operation failed or did not finish within its timeout. */
public class DatabaseUnavailableException extends HaException {
    private static final long serialVersionUID = 1L;

    public DatabaseUnavailableException(String message) {
        super(message);
    }

    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
