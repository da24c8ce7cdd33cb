/**
 * hapg testkit module.
 */
package io.hapg.testkit;
