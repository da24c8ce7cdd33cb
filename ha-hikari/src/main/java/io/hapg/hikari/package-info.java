/**
 * hapg hikari module.
 */
package io.hapg.hikari;
