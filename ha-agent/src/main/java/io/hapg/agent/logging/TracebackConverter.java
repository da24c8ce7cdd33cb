package io.hapg.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.CoreConstants;

/**
 * Patroni's {@code log.traceback_level} as a Logback conversion ({@code %tb{DEBUG}}, placed right
 * after the message): an event's exception is printed with its stack trace on the following lines
 * when the event's logger has the option's level enabled (default ERROR: always), else as a
 * one-line summary ({@code , DETAIL: 'java.io.IOException: refused'}), as Patroni prints an
 * exception below its traceback level. Nothing is printed for an event without an exception.
 */
public final class TracebackConverter extends ThrowableHandlingConverter {
    private final ThrowableProxyConverter trace = new ThrowableProxyConverter();
    private Level threshold = Level.ERROR;

    @Override
    public void start() {
        String option = getFirstOption();
        if (option != null) {
            threshold = Level.toLevel(option, Level.ERROR);
        }
        trace.setContext(getContext());
        trace.start();
        super.start();
    }

    @Override
    public void stop() {
        trace.stop();
        super.stop();
    }

    @Override
    public String convert(ILoggingEvent event) {
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown == null) {
            return "";
        }
        if (showsTrace(event)) {
            return CoreConstants.LINE_SEPARATOR + trace.convert(event).stripTrailing();
        }
        String message = thrown.getMessage() == null ? "" : ": " + thrown.getMessage().replaceAll("\\s*\\R\\s*", " ");
        return ", DETAIL: '" + thrown.getClassName() + message + "'";
    }

    private boolean showsTrace(ILoggingEvent event) {
        if (!(getContext() instanceof LoggerContext)) {
            return true;
        }
        return ((LoggerContext) getContext()).getLogger(event.getLoggerName()).isEnabledFor(threshold);
    }
}
