package io.hapg.core.spi;

/**
 * A copy from another member ({@link DatabaseNode#rewind}) could not be made because that member
 * could not be reached or is no primary, while the local data directory is still usable: trying
 * again later is safe. Patroni does not count such a pg_rewind as failed either ("Failed to rewind
 * because primary ... become unreachable"), so it never leads to re-cloning.
 */
public class SourceUnavailableException extends DatabaseUnavailableException {
    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(String message) {
        super(message);
    }

    public SourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
