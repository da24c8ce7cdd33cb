package io.hapg.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.FileSize;
import java.net.URL;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The Logback side of {@link AgentLogging}; loaded only when Logback is the SLF4J binding. All
 * state is Logback's own context.
 */
final class LogbackSetup {
    /** The jar's default configuration, a classpath resource. */
    static final String DEFAULT_CONFIG = "io/hapg/agent/logging/logback-default.xml";
    /** Logback's standard property naming the user's configuration file. */
    static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";
    /** The conversion word of {@link TracebackConverter} in the patterns built here. */
    static final String TRACEBACK_WORD = "tb";

    /** How often, at most, the log file's size is compared with {@code file_size}. */
    static final long SIZE_CHECK_MILLIS = 100;

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LogbackSetup.class);

    private LogbackSetup() {
    }

    /** The file the user named with {@code -Dlogback.configurationFile}, if any. */
    static Optional<String> userConfig() {
        return Optional.ofNullable(System.getProperty(CONFIG_FILE_PROPERTY));
    }

    static void installDefaults() {
        if (userConfig().isPresent()) {
            return;
        }
        LoggerContext context = context();
        URL config = LogbackSetup.class.getClassLoader().getResource(DEFAULT_CONFIG);
        context.reset();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        try {
            joran.doConfigure(config);
        } catch (JoranException e) {
            // The jar's own file: a broken one is a build error; Logback has printed why.
            throw new IllegalStateException("cannot load " + DEFAULT_CONFIG, e);
        }
    }

    static void apply(LogSection section, long pid) {
        Optional<String> user = userConfig();
        if (user.isPresent()) {
            LOG.warn("the log: section is not applied: -Dlogback.configurationFile={} configures logging", user.get());
            return;
        }
        LoggerContext context = context();
        String pattern = section.pattern(pid) + "%" + TRACEBACK_WORD + "{" + section.tracebackLevel() + "}%n";
        context.reset();
        propagateLevelsToJul(context);
        OutputStreamAppender<ILoggingEvent> appender = section.dir()
                .<OutputStreamAppender<ILoggingEvent>>map(dir -> rollingFile(context, dir, section))
                .orElseGet(LogbackSetup::stderr);
        appender.setContext(context);
        appender.setName(section.dir().isPresent() ? "file" : "stderr");
        appender.setEncoder(encoder(context, pattern));
        if (section.deduplicateHeartbeats()) {
            HeartbeatFilter heartbeats = new HeartbeatFilter();
            heartbeats.start();
            appender.addFilter(heartbeats);
        }
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        root.setLevel(level(section.level()));
        section.loggers().forEach((name, level) -> context.getLogger(name).setLevel(level(level)));
        LOG.info("logging at {} to {}", section.level(),
                section.dir().map(d -> d.resolve(LogSection.FILE_NAME).toString()).orElse("stderr"));
    }

    static void quiet() {
        if (userConfig().isPresent()) {
            return;
        }
        LoggerContext context = context();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        context.getLogger("io.hapg.core.config").setLevel(Level.ERROR);
        // Closing the client while a read still retries makes jetcd log a retry warning: not news to the user.
        context.getLogger("io.etcd.jetcd").setLevel(Level.ERROR);
    }

    private static ConsoleAppender<ILoggingEvent> stderr() {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        return console;
    }

    private static RollingFileAppender<ILoggingEvent> rollingFile(LoggerContext context, Path dir,
                                                                  LogSection section) {
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        Path log = dir.resolve(LogSection.FILE_NAME);
        file.setFile(log.toString());
        // Python's RotatingFileHandler names: patroni.log.1 is the newest rotated file.
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(file);
        rolling.setFileNamePattern(log + ".%i");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(section.fileNum());
        rolling.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> size = new SizeBasedTriggeringPolicy<>();
        size.setContext(context);
        size.setMaxFileSize(new FileSize(section.fileSize()));
        // Logback looks at the file's size once a minute by default: a small file_size would grow far past
        // itself; Python looks at every line. One stat() per 100 ms at most costs nothing.
        size.setCheckIncrement(Duration.buildByMilliseconds(SIZE_CHECK_MILLIS));
        size.start();
        file.setRollingPolicy(rolling);
        file.setTriggeringPolicy(size);
        return file;
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext context, String pattern) {
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.getInstanceConverterMap().put(TRACEBACK_WORD, TracebackConverter::new);
        layout.getInstanceConverterMap().put("d", SecondCachingDateConverter::new);
        layout.getInstanceConverterMap().put("date", SecondCachingDateConverter::new);
        layout.setPattern(pattern);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    /** JUL loggers (gRPC's) get Logback's levels, so JUL builds no record Logback would drop. */
    private static void propagateLevelsToJul(LoggerContext context) {
        LevelChangePropagator propagator = new LevelChangePropagator();
        propagator.setContext(context);
        propagator.setResetJUL(true);
        propagator.start();
        context.addListener(propagator);
    }

    private static Level level(LogLevel level) {
        return Level.toLevel(level.name());
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
