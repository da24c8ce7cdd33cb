/**
 * hapg's static configuration as ha-core reads it: {@link io.hapg.core.config.HaConfig} and its
 * section records, built with builders by embedding code or from Patroni-style YAML by ha-agent
 * (which also maps the adapters' sections, {@code etcd3} and {@code postgresql}, onto their own
 * configs). Non-null everywhere; absence is an {@code Optional}.
 * Secrets are {@link io.hapg.core.config.Secret}s, masked in {@code toString()} and in every
 * error message.
 */
package io.hapg.core.config;
