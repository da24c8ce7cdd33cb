package io.hapg.postgres.internal;

import io.hapg.core.model.SynchronousStandbyNames.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The tokens of a {@code synchronous_standby_names} value, as PostgreSQL's {@code syncrep}
 * scanner cuts them: words, double-quoted names, numbers, {@code *}, commas and parentheses;
 * whitespace separates.
 */
final class SyncNameTokens {

    /** What a token is. */
    enum Kind { WORD, QUOTED, NUMBER, STAR, COMMA, OPEN, CLOSE }

    /**
     * One token.
     *
     * @param text     as written (a quoted name with its quotes)
     * @param position its offset in the value, for error messages
     */
    record Token(Kind kind, String text, int position) {
        /** {@code FIRST} or {@code ANY}, in any case, when this is that word. */
        Optional<Method> keyword() {
            if (kind != Kind.WORD) {
                return Optional.empty();
            }
            String upper = text.toUpperCase(Locale.ROOT);
            return upper.equals("FIRST") ? Optional.of(Method.FIRST)
                    : upper.equals("ANY") ? Optional.of(Method.ANY) : Optional.empty();
        }

        /** Whether this can stand for a standby in a list (PostgreSQL takes digits as a name, too). */
        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED || kind == Kind.NUMBER || kind == Kind.STAR;
        }

        /** The standby name: quotes removed and {@code ""} undoubled. */
        String name() {
            return kind == Kind.QUOTED ? text.substring(1, text.length() - 1).replace("\"\"", "\"") : text;
        }
    }

    private SyncNameTokens() {
    }

    /**
     * @throws IllegalArgumentException naming the value and position of an unclosed quote or a
     *                                  character no token starts with
     */
    static List<Token> of(String value) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            Kind kind;
            if (c == '"') {
                i = closingQuote(value, i);
                kind = Kind.QUOTED;
            } else if (c >= '0' && c <= '9') {
                while (i < value.length() && value.charAt(i) >= '0' && value.charAt(i) <= '9') {
                    i++;
                }
                kind = Kind.NUMBER;
            } else if (isWordStart(c)) {
                while (i < value.length() && (isWordStart(value.charAt(i)) || Character.isDigit(value.charAt(i))
                        || value.charAt(i) == '$')) {
                    i++;
                }
                kind = Kind.WORD;
            } else {
                kind = single(value, c, i);
                i++;
            }
            tokens.add(new Token(kind, value.substring(start, i), start));
        }
        return tokens;
    }

    private static boolean isWordStart(char c) {
        return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80;
    }

    /** The index just past the quote that closes the one at {@code open}. */
    private static int closingQuote(String value, int open) {
        int i = open + 1;
        while (i < value.length()) {
            if (value.charAt(i) == '"') {
                if (i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    i += 2;
                    continue;
                }
                if (i == open + 1) {
                    break; // "" is no name: PostgreSQL rejects a zero-length quoted identifier
                }
                return i + 1;
            }
            i++;
        }
        throw new IllegalArgumentException("synchronous_standby_names '" + value + "': unterminated or empty "
                + "quoted name at " + open);
    }

    private static Kind single(String value, char c, int i) {
        switch (c) {
            case '*':
                return Kind.STAR;
            case ',':
                return Kind.COMMA;
            case '(':
                return Kind.OPEN;
            case ')':
                return Kind.CLOSE;
            default:
                throw new IllegalArgumentException("synchronous_standby_names '" + value + "': unexpected '" + c
                        + "' at " + i);
        }
    }
}
