/**
 * The standalone agent: a Patroni-style YAML file ({@link io.hapg.agent.config.ConfigLoader})
 * wired into a running node on etcd and PostgreSQL ({@link io.hapg.agent.AgentMain}), and
 * {@code hactl} ({@link io.hapg.agent.ctl}). {@code ha-agent/target/hapg.jar} runs both:
 * {@code java -jar hapg.jar agent node1.yml}, {@code java -jar hapg.jar ctl -c node1.yml list}.
 */
package io.hapg.agent;
