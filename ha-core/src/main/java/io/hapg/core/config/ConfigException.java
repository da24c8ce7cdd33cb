package io.hapg.core.config;

import java.util.OptionalInt;

/**
 * A configuration value is missing, malformed or out of range. The message starts with the
 * dotted key path ({@code bootstrap.dcs.loop_wait: ...}) and, when the value came from YAML,
 * ends with its line ({@code (line 12)}). Messages never contain a password or other secret.
 *
 * <p>An {@link IllegalArgumentException}, so builder callers that catch that keep working.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String keyPath;
    private final String detail;
    private final int line;

    /**
     * @param keyPath dotted path of the offending key ({@code restapi.listen}); empty when the
     *                problem is not about one key (malformed YAML)
     * @param detail  what is wrong, without the key path and without any secret value
     */
    public ConfigException(String keyPath, String detail) {
        this(keyPath, detail, 0, null);
    }

    /**
     * @param line  the 1-based line of the key in the file the value came from, 0 when unknown
     * @param cause the underlying error (a YAML parser's), or null
     */
    public ConfigException(String keyPath, String detail, int line, Throwable cause) {
        super(format(keyPath, detail, line), cause);
        this.keyPath = keyPath;
        this.detail = detail;
        this.line = line;
    }

    /** The dotted path of the offending key, or empty when the problem is not about one key. */
    public String keyPath() {
        return keyPath;
    }

    /** The 1-based YAML line of the offending key, when the configuration came from YAML. */
    public OptionalInt line() {
        return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
    }

    /** This error located at {@code newLine}; itself when it already has a line or none is known. */
    public ConfigException atLine(int newLine) {
        if (line > 0 || newLine <= 0) {
            return this;
        }
        return new ConfigException(keyPath, detail, newLine, getCause());
    }

    private static String format(String keyPath, String detail, int line) {
        String where = line > 0 ? " (line " + line + ")" : "";
        return keyPath.isEmpty() ? detail + where : keyPath + ": " + detail + where;
    }
}
