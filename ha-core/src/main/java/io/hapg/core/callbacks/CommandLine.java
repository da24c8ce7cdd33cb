package io.hapg.core.callbacks;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Splits a callback command the way Patroni does (POSIX shell words, {@code shlex.split}): words
 * separated by blanks, single quotes literal, double quotes allowing {@code \"} and {@code \\},
 * a backslash escaping the next character outside quotes. No variable expansion, no globbing.
 */
public final class CommandLine {
    private CommandLine() {
    }

    /**
     * Runs {@code command} synchronously with no input and its output discarded.
     *
     * @return its exit code; empty when it did not finish within {@code timeout} (it and its
     *         children are then killed)
     * @throws IOException when it cannot start
     */
    static OptionalInt runQuietly(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            ScriptCallbacks.kill(process);
            return OptionalInt.empty();
        }
        return OptionalInt.of(process.exitValue());
    }

    /**
     * The program and its arguments, as {@code shlex.split} gives them.
     *
     * @throws IllegalArgumentException naming the command when a quote is not closed or it is empty
     */
    public static List<String> split(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < command.length()
                        && (command.charAt(i + 1) == '"' || command.charAt(i + 1) == '\\')) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < command.length()) {
                word.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed " + quote + " quote in command: " + command);
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        return words;
    }
}
