/**
 * hapg core module.
 */
package io.hapg.core;
