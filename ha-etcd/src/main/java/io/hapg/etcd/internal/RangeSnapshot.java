package io.hapg.etcd.internal;

import java.util.List;

/** Every key of the cluster at one store revision: what one range read (or the watch cache) holds. */
public record RangeSnapshot(long revision, List<RawKv> kvs) {
    public RangeSnapshot {
        kvs = List.copyOf(kvs);
    }
}
