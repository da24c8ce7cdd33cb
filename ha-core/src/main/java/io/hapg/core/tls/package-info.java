/**
 * TLS material from PEM files ({@link io.hapg.core.tls.PemMaterial}), shared by the REST API, calls
 * between members and the etcd client.
 */
package io.hapg.core.tls;
