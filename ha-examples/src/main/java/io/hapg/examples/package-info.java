/**
 * hapg examples module.
 */
package io.hapg.examples;
