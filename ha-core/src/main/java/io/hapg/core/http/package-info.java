/**
 * The built-in Patroni-compatible REST API ({@link io.hapg.core.http.HttpApi}): health checks for
 * load balancers, the status documents peers and monitoring read, Prometheus metrics and the
 * management calls, on the JDK's own HTTP server. Everything but {@code HttpApi} is
 * package-private. Non-null by default; absence is an {@code Optional}.
 */
package io.hapg.core.http;
