package io.hapg.agent.ctl;

import io.hapg.agent.logging.AgentLogging;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * For commands whose output is their answer (hactl, the demo): library INFO lines (etcd client
 * set-up, gRPC's transport notes, config remarks) would only get in the way. Under the jar's
 * Logback it raises the levels at once ({@code -Dlogback.configurationFile} given by the caller
 * wins); under slf4j-simple (the examples) it must run before the first SLF4J logger exists
 * ({@code -Dorg.slf4j.simpleLogger...} given by the caller wins).
 */
public final class QuietLogging {
    /** Held so the JDK does not collect the configured logger (and forget its level). */
    private static final Logger GRPC = Logger.getLogger("io.grpc");

    private QuietLogging() {
    }

    /** WARN and above for SLF4J (ERROR for config remarks) and for gRPC's java.util.logging. */
    public static void apply() {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.io.hapg.core.config", "error");
        // Closing the client while a read still retries makes jetcd log a retry warning: not news to the user.
        setIfAbsent("org.slf4j.simpleLogger.log.io.etcd.jetcd", "error");
        GRPC.setLevel(Level.WARNING);
        AgentLogging.quiet();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
