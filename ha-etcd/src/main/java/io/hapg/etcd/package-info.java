/**
 * hapg etcd module.
 */
package io.hapg.etcd;
