package io.hapg.testkit;

import io.hapg.process.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds executables for the launchers: an explicit setting first, then the PATH. */
final class Binaries {
    private Binaries() {
    }

    /**
     * Looks for {@code executable} in the directory named by system property {@code property}
     * or environment variable {@code envVar} (either may name the file itself), then on PATH.
     */
    static Optional<Path> find(String executable, String property, String envVar) {
        for (String setting : new String[] {System.getProperty(property), System.getenv(envVar)}) {
            if (setting != null && !setting.isBlank()) {
                Path path = Path.of(setting);
                Path candidate = Files.isDirectory(path) ? path.resolve(executable) : path;
                return Files.isExecutable(candidate) ? Optional.of(candidate) : Optional.empty();
            }
        }
        return Commands.onPath(executable);
    }
}
