package io.hapg.agent.logging;

import io.hapg.core.config.ConfigException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates Patroni's {@code log.format} (a Python logging format string such as
 * {@code %(asctime)s %(levelname)s: %(message)s}) and {@code log.dateformat} (a
 * {@code time.strftime} pattern) into a Logback layout pattern. Placeholders translated:
 * {@code asctime}, {@code levelname} (Logback's names: WARN, not WARNING), {@code message},
 * {@code name} (the logger), {@code threadName}, {@code process}, {@code msecs},
 * {@code relativeCreated}, each with Python's {@code -} flag, width and precision. Anything else is
 * refused with a {@link ConfigException} naming the key and what does not translate, so a node
 * never runs with a format that silently prints something else. Stateless.
 */
public final class PythonLogFormat {
    /** Python's {@code asctime} when no {@code dateformat} is given: {@code 2026-12-03 13:46:09,123}. */
    static final String PYTHON_ASCTIME = "yyyy-MM-dd HH:mm:ss,SSS";

    private static final Pattern PLACEHOLDER = Pattern.compile(
            "%(?:\\((\\w+)\\)([#0 +-]*)(\\d*)(?:\\.(\\d+))?([diouxXeEfFgGcrsa])|%|.?)");
    private static final Map<String, String> WORDS = Map.of("levelname", "level", "message", "msg",
            "name", "logger", "threadName", "thread", "relativeCreated", "relative");
    private static final Map<Character, String> STRFTIME = Map.ofEntries(Map.entry('Y', "yyyy"),
            Map.entry('y', "yy"), Map.entry('m', "MM"), Map.entry('d', "dd"), Map.entry('H', "HH"),
            Map.entry('I', "hh"), Map.entry('M', "mm"), Map.entry('S', "ss"), Map.entry('p', "a"),
            Map.entry('b', "MMM"), Map.entry('B', "MMMM"), Map.entry('a', "EEE"), Map.entry('A', "EEEE"),
            Map.entry('j', "DDD"), Map.entry('z', "xx"), Map.entry('Z', "z"), Map.entry('F', "yyyy-MM-dd"),
            Map.entry('T', "HH:mm:ss"));

    private PythonLogFormat() {
    }

    /**
     * The Logback pattern of a Python logging format, without the line end and the exception
     * (the caller appends those).
     *
     * @param format     {@code log.format}
     * @param dateformat {@code log.dateformat}, for {@code %(asctime)s}; empty: Python's default
     * @param pid        what {@code %(process)d} prints (the pattern is made in the process it serves)
     * @throws ConfigException naming {@code log.format} or {@code log.dateformat} and the part that
     *                         does not translate
     */
    public static String toPattern(String format, Optional<String> dateformat, long pid) {
        StringBuilder out = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(format);
        int literalFrom = 0;
        boolean afterConversion = false;
        while (m.find()) {
            String literal = format.substring(literalFrom, m.start());
            refuseOption(afterConversion, literal);
            out.append(literal(literal));
            literalFrom = m.end();
            if (m.group().equals("%%")) {
                out.append("\\%");
                afterConversion = false;
                continue;
            }
            if (m.group(1) == null) {
                throw refused("'" + m.group() + "' is not a %(name)s placeholder");
            }
            afterConversion = placeholder(out, m, dateformat, pid);
        }
        String tail = format.substring(literalFrom);
        refuseOption(afterConversion, tail);
        out.append(literal(tail));
        return out.toString();
    }

    private static void refuseOption(boolean afterConversion, String literal) {
        if (afterConversion && literal.startsWith("{")) {
            throw refused("'{' right after a placeholder does not translate (Logback would read it as an option)");
        }
    }

    /** Appends one placeholder; returns whether it was a Logback conversion (not literal text). */
    private static boolean placeholder(StringBuilder out, Matcher m, Optional<String> dateformat, long pid) {
        String name = m.group(1);
        String modifier = modifier(m.group(2), m.group(3), m.group(4));
        switch (name) {
            case "asctime":
                out.append('%').append(modifier).append("d{\"")
                        .append(dateformat.isPresent() ? datePattern(dateformat.get()) : PYTHON_ASCTIME).append("\"}");
                return true;
            case "msecs":
                out.append("%d{\"SSS\"}");
                return true;
            case "process":
                out.append(literal(String.format("%" + (m.group(2).contains("-") ? "-" : "")
                        + (m.group(3).isEmpty() ? "" : m.group(3)) + "d", pid)));
                return false;
            default:
                String word = WORDS.get(name);
                if (word == null) {
                    throw refused("%(" + name + ")" + m.group(5) + " has no Logback equivalent (translated: asctime,"
                            + " levelname, message, name, threadName, process, msecs, relativeCreated)");
                }
                out.append('%').append(modifier).append(word);
                return true;
        }
    }

    /** Python's {@code -8} / {@code 8} / {@code .5} as Logback's {@code -8} / {@code 8} / {@code .-5}. */
    private static String modifier(String flags, String width, String precision) {
        StringBuilder m = new StringBuilder();
        if (!width.isEmpty()) {
            m.append(flags.contains("-") ? "-" : "").append(width);
        }
        if (precision != null) {
            // Python keeps the start of a string cut to the precision; Logback's '-' does that.
            m.append(".-").append(precision);
        }
        return m.toString();
    }

    /**
     * A {@code time.strftime} pattern as a {@link java.time.format.DateTimeFormatter} pattern, its
     * literal text quoted.
     *
     * @throws ConfigException naming {@code log.dateformat} and the directive that does not translate
     */
    static String datePattern(String strftime) {
        StringBuilder out = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < strftime.length(); i++) {
            char c = strftime.charAt(i);
            if (c == '"' || c == '\\') {
                throw new ConfigException("log.dateformat", "'" + c + "' does not translate to a Logback date pattern");
            }
            if (c != '%') {
                literal.append(c);
                continue;
            }
            if (i + 1 == strftime.length()) {
                throw new ConfigException("log.dateformat", "a lone '%' at the end");
            }
            char d = strftime.charAt(++i);
            if (d == '%') {
                literal.append('%');
                continue;
            }
            String java = STRFTIME.get(d);
            if (java == null) {
                throw new ConfigException("log.dateformat", "%" + d + " has no Java equivalent (translated: %Y %y %m %d"
                        + " %H %I %M %S %p %b %B %a %A %j %z %Z %F %T %%)");
            }
            quote(out, literal);
            out.append(java);
        }
        quote(out, literal);
        return out.toString();
    }

    private static void quote(StringBuilder out, StringBuilder literal) {
        if (literal.length() > 0) {
            out.append('\'').append(literal.toString().replace("'", "''")).append('\'');
            literal.setLength(0);
        }
    }

    /** Text Logback prints as is: its specials % ( ) escaped; a backslash is refused. */
    private static String literal(String text) {
        if (text.indexOf('\\') >= 0) {
            throw refused("a backslash does not translate to a Logback pattern");
        }
        return text.replace("%", "\\%").replace("(", "\\(").replace(")", "\\)");
    }

    private static ConfigException refused(String detail) {
        return new ConfigException("log.format", detail);
    }
}
