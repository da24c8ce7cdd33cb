package io.hapg.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Patroni's {@code log.deduplicate_heartbeat_logs}: the HA loop logs its decision every cycle; a
 * "no action" line identical to the loop's previous line is dropped, so a quiet node's log shows
 * each state once instead of every {@code loop_wait}. Any other line of the loop is written and
 * ends the run of duplicates.
 */
final class HeartbeatFilter extends Filter<ILoggingEvent> {
    /** The logger of the loop's decision line. */
    static final String LOOP_LOGGER = "io.hapg.core.internal.HaLoop";

    /** The loop's previous line; appenders call filters from the logging threads, hence volatile. */
    private volatile String previous = "";

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (!event.getLoggerName().equals(LOOP_LOGGER)) {
            return FilterReply.NEUTRAL;
        }
        String message = event.getFormattedMessage();
        boolean repeated = message.contains(": no action") && message.equals(previous);
        previous = message;
        return repeated ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
