/**
 * Running operating-system commands: as an unprivileged account when the JVM is root
 * ({@link io.hapg.process.OsUser}), short helper commands with a timeout
 * ({@link io.hapg.process.Commands}), and finding PostgreSQL's bin directory and version
 * ({@link io.hapg.process.PgInstallation}). Shared by the PostgreSQL adapter and the test kit.
 */
package io.hapg.process;
