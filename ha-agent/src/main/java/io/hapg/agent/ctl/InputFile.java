package io.hapg.agent.ctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** A file named on hactl's command line, where {@code -} means standard input, as in patronictl. */
final class InputFile {
    private InputFile() {
    }

    /**
     * The whole text of {@code file}, or of standard input when it is {@code -}.
     *
     * @throws CtlException {@code "<command>: cannot read file F: ..."} or {@code "... standard input: ..."}
     */
    static String read(String command, String file) {
        try {
            return file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (IOException | InvalidPathException e) {
            throw CtlException.failed(command + ": cannot read " + describe(file) + ": " + e.getMessage());
        }
    }

    /** {@code standard input} or {@code file F}, for messages. */
    static String describe(String file) {
        return file.equals("-") ? "standard input" : "file " + file;
    }
}
