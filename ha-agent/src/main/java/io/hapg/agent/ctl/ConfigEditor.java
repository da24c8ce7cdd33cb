package io.hapg.agent.ctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code edit-config} without settings: patronictl's {@code invoke_editor}. The config is written
 * to a temporary {@code <cluster>-config-*.yaml} (mode 0600: it may hold passwords), the editor
 * runs on this terminal, and the file's text afterwards is the new config. The editor is
 * {@code $EDITOR} (split on spaces, so {@code EDITOR="code --wait"} works too), else
 * {@code editor} or {@code vi} from {@code PATH}. The file is deleted in every case.
 */
final class ConfigEditor {
    private ConfigEditor() {
    }

    /**
     * @return the text the editor left in the file
     * @throws CtlException (failed) when no editor is found, it cannot start, or it exits non-zero
     */
    static String edit(Session s, String text) {
        List<String> command = editor(s);
        Path file = null;
        try {
            file = Files.createTempFile(safe(s.scope()) + "-config-", ".yaml",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text);
            command.add(file.toString());
            int code = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (code != 0) {
                throw CtlException.failed("Editor exited with return code " + code);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CtlException.failed("edit-config: cannot run the editor " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CtlException.failed("edit-config: interrupted while the editor ran");
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    s.out().println("hactl: could not delete " + file + ": " + e.getMessage());
                }
            }
        }
    }

    private static List<String> editor(Session s) {
        Optional<String> fromEnv = s.env("EDITOR").map(String::strip).filter(e -> !e.isEmpty());
        if (fromEnv.isPresent()) {
            return new ArrayList<>(List.of(fromEnv.get().split("\\s+")));
        }
        for (String name : List.of("editor", "vi")) {
            Optional<Path> found = onPath(s, name);
            if (found.isPresent()) {
                return new ArrayList<>(List.of(found.get().toString()));
            }
        }
        throw CtlException.failed("EDITOR environment variable is not set. editor or vi are not available");
    }

    private static Optional<Path> onPath(Session s, String name) {
        for (String dir : s.env("PATH").orElse("").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    /** The cluster name as a file-name prefix: createTempFile refuses a path separator. */
    private static String safe(String scope) {
        return scope.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
