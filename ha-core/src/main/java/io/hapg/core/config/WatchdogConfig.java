package io.hapg.core.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code watchdog}, with Patroni's keys and defaults. hapg's watchdog is not the kernel device
 * but a fence process next to the agent: when the agent, as primary, freezes or dies, it stops
 * PostgreSQL (an immediate shutdown) before the lease can expire, instead of resetting the
 * machine. {@code mode} decides whether it runs; {@code device} and {@code safety_margin} are
 * read and kept but not used (the fence fires half the agent's fencing margin before the lease
 * deadline).
 *
 * @param mode         {@code off}: no fence process; {@code automatic} (default): one when the
 *                     database offers a fence command and bash is present, a warning otherwise;
 *                     {@code required}: the agent refuses to start without one
 * @param device       Patroni's device (default {@code /dev/watchdog}); not used by hapg
 * @param safetyMargin Patroni's seconds between the watchdog firing and the lease expiring
 *                     (default 5; -1 = fire at ttl/2); not used by hapg
 */
public record WatchdogConfig(Mode mode, Path device, int safetyMargin) {
    public static final WatchdogConfig DEFAULTS = new WatchdogConfig(Mode.AUTOMATIC, Path.of("/dev/watchdog"), 5);

    /** {@code watchdog.mode}. */
    public enum Mode {
        /** No fence process: a frozen or killed agent leaves PostgreSQL running (Patroni without a watchdog). */
        OFF,
        /** A fence process if it can run; a warning if not. */
        AUTOMATIC,
        /** The agent does not start without a fence process. */
        REQUIRED;

        /**
         * Patroni's spellings: {@code off|disable|disabled}, {@code automatic|auto},
         * {@code required|require} (any case); YAML {@code off} arrives as {@code false}.
         *
         * @throws ConfigException naming {@code watchdog.mode} for anything else
         */
        public static Mode parse(String text) {
            switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "off": case "disable": case "disabled": case "false":
                    return OFF;
                case "automatic": case "auto":
                    return AUTOMATIC;
                case "required": case "require":
                    return REQUIRED;
                default:
                    throw new ConfigException("watchdog.mode",
                            "expected off, automatic or required, got '" + text + "'");
            }
        }
    }

    public WatchdogConfig {
        Objects.requireNonNull(mode, "watchdog.mode");
        Objects.requireNonNull(device, "watchdog.device");
        Checks.atLeast(safetyMargin, -1, "watchdog.safety_margin");
    }
}
