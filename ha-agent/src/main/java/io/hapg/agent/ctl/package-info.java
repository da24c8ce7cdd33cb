/**
 * {@code hactl} ({@code java -jar hapg.jar ctl -c CONFIG.yml COMMAND}): patronictl's everyday
 * commands for an hapg (or Patroni) cluster. It reads the cluster from etcd directly and acts
 * only through the members' REST API, so every action passes the same checks as a {@code curl}
 * call would; the one exception is {@code remove}, which deletes the cluster's keys in etcd, as
 * patronictl's does. Non-null by default.
 */
package io.hapg.agent.ctl;
