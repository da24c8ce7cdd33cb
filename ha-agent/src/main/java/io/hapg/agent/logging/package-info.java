/**
 * The standalone agent's logging: Logback with a default configuration in the jar
 * ({@code io/hapg/agent/logging/logback-default.xml}), overridden by
 * {@code -Dlogback.configurationFile=FILE}, and Patroni's {@code log:} section applied on top of it
 * ({@link io.hapg.agent.logging.AgentLogging}). Nothing here runs in an application that embeds the
 * agent ({@link io.hapg.agent.HapgAgent}): that application's own SLF4J binding and configuration
 * stay in charge.
 */
package io.hapg.agent.logging;
