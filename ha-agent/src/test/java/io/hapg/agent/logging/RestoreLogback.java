package io.hapg.agent.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * For tests that reconfigure the JVM's one Logback context: after each test, the tests' own
 * configuration (logback-test.xml) again, so later tests log as usual.
 */
public final class RestoreLogback implements AfterEachCallback {
    @Override
    public void afterEach(ExtensionContext test) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }
}
