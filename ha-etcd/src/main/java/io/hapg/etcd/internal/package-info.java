/**
 * Internals of the etcd adapter, not API: key layout, lease keeping, JSON codecs, error mapping,
 * the prefix watch. May change without notice.
 */
package io.hapg.etcd.internal;
