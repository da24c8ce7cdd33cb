package io.hapg.agent.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The standalone agent's logging set-up, for {@code hapg.jar}'s main and hactl. Each step applies
 * only where the jar's Logback is the SLF4J binding; with another binding (an agent started on a
 * classpath without Logback) it does nothing, and a {@code log:} section is then reported as not
 * applied. A Logback file given with {@code -Dlogback.configurationFile=FILE} always wins: none of
 * these steps changes what it configured.
 */
public final class AgentLogging {
    private static final Logger LOG = LoggerFactory.getLogger(AgentLogging.class);
    private static final String LOGBACK = "ch.qos.logback.classic.LoggerContext";

    private AgentLogging() {
    }

    /**
     * Loads the jar's default configuration ({@value LogbackSetup#DEFAULT_CONFIG}: timestamped
     * lines on stderr) and routes {@code java.util.logging} (gRPC, Netty) through SLF4J. Call first
     * in {@code main}, before anything logs.
     */
    public static void installDefaults() {
        if (logback()) {
            LogbackSetup.installDefaults();
        }
        // jul-to-slf4j is optional too: absent, gRPC's lines keep java.util.logging's own format.
        if (AgentLogging.class.getClassLoader().getResource("org/slf4j/bridge/SLF4JBridgeHandler.class") != null) {
            installJulBridge();
        }
    }

    private static void installJulBridge() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            // Else each JUL line would come out twice: once bridged, once by JUL's console handler.
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /**
     * Applies Patroni's {@code log:} section, replacing the default configuration: level, per-logger
     * levels, line format, traceback level, and {@code DIR/patroni.log} rotated by size instead of
     * stderr. A section that is not {@link LogSection#given() given} changes nothing.
     *
     * @throws io.hapg.core.config.ConfigException when the format does not translate (the loader
     *                                             checked it already)
     */
    public static void apply(LogSection section) {
        if (!section.given()) {
            return;
        }
        if (!logback()) {
            LOG.warn("the log: section is not applied: the SLF4J binding is {}, not the jar's Logback",
                    LoggerFactory.getILoggerFactory().getClass().getName());
            return;
        }
        LogbackSetup.apply(section, ProcessHandle.current().pid());
    }

    /** WARN and above (ERROR for config remarks and jetcd's retries), for commands whose output is their answer. */
    public static void quiet() {
        if (logback()) {
            LogbackSetup.quiet();
        }
    }

    private static boolean logback() {
        return LoggerFactory.getILoggerFactory().getClass().getName().equals(LOGBACK);
    }
}
