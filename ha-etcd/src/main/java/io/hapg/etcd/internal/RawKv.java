package io.hapg.etcd.internal;

import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * One key of the cluster as etcd holds it, detached from jetcd: the key relative to the cluster
 * prefix, the value as text, its revisions and its lease (0 = none).
 */
public record RawKv(String key, String value, long createRevision, long modRevision, long lease) {
    public RawKv {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** The key-value if it belongs to {@code layout}'s cluster. */
    public static Optional<RawKv> of(KeyLayout layout, KeyValue kv) {
        return layout.relative(kv.getKey()).map(rel -> new RawKv(rel, kv.getValue().toString(StandardCharsets.UTF_8),
                kv.getCreateRevision(), kv.getModRevision(), kv.getLease()));
    }
}
