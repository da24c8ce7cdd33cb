/**
 * What hapg looks like from the outside: the demo ({@code java -jar hapg-demo.jar demo}), a
 * local three-node cluster on loopback built from ha-agent and ha-testkit.
 */
package io.hapg.examples;
