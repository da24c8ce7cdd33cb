package io.hapg.agent.ctl;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One hactl run in this JVM through {@link CtlMain#run} (a JVM start less than a process): its
 * exit code, standard output and error.
 */
public record HactlRun(int code, String out, String err) {

    /** {@code hactl -c config args...}. */
    public static HactlRun of(String config, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("-c", config));
        all.addAll(List.of(args));
        int code = CtlMain.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new HactlRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
