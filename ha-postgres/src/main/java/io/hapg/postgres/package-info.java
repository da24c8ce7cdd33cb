/**
 * hapg postgres module.
 */
package io.hapg.postgres;
