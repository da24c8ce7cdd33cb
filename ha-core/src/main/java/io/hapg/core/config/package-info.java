/**
 * hapg's static configuration: {@link io.hapg.core.config.HaConfig} and its section records,
 * built with builders by embedding code or loaded from Patroni-style YAML by
 * {@link io.hapg.agent.config.ConfigLoader}. Non-null everywhere; absence is an {@code Optional}.
 * Secrets are {@link io.hapg.core.config.Secret}s, masked in {@code toString()} and in every
 * error message.
 */
package io.hapg.core.config;
