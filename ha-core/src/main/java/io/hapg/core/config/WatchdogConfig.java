package io.hapg.core.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code watchdog}: accepted and kept with Patroni's meaning and defaults, for a future watchdog
 * implementation; hapg does not drive a watchdog device yet.
 *
 * @param mode         whether a watchdog is used
 * @param device       the device (default {@code /dev/watchdog})
 * @param safetyMargin seconds between the watchdog firing and the lease expiring (default 5;
 *                     -1 = fire at ttl/2)
 */
public record WatchdogConfig(Mode mode, Path device, int safetyMargin) {
    public static final WatchdogConfig DEFAULTS = new WatchdogConfig(Mode.AUTOMATIC, Path.of("/dev/watchdog"), 5);

    /** {@code watchdog.mode}. */
    public enum Mode {
        /** No watchdog. */
        OFF,
        /** Use one if available. */
        AUTOMATIC,
        /** Never become leader without a working watchdog. */
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
