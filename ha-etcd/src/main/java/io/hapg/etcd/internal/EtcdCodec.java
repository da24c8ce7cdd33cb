package io.hapg.etcd.internal;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hapg's records to and from the values Patroni's etcd3 backend stores. Decoding never throws: a
 * value of the wrong shape is logged once per (key, modification revision) and read as absent, so
 * one bad key never fails a read or hides the other members.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class EtcdCodec {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdCodec.class);
    private static final int LOGGED_KEYS = 256;
    private static final int SHOWN_CHARS = 60;

    private final String context;
    private final Set<String> logged = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > LOGGED_KEYS;
                }
            }));

    /** @param context {@code scope/member}, in front of every log line */
    public EtcdCodec(String context) {
        this.context = context;
    }

    /** The value to store under {@code key}; {@code initialize} is stored as plain text, as Patroni does. */
    @SuppressWarnings("unchecked")
    public <T> String encode(ClusterKey<T> key, T value) {
        switch (key.name()) {
            case KeyLayout.CONFIG:
                return ClusterJson.encodeConfig((DynamicConfig) value);
            case KeyLayout.INITIALIZE:
                return (String) value;
            case KeyLayout.SYNC:
                return ClusterJson.encodeSync((SyncState) value);
            case KeyLayout.FAILOVER:
                return ClusterJson.encodeFailover((FailoverRequest) value);
            case KeyLayout.HISTORY:
                return ClusterJson.encodeHistory((List<HistoryEntry>) value);
            case KeyLayout.FAILSAFE:
                return ClusterJson.encodeFailsafe((Map<String, String>) value);
            default:
                throw new IllegalArgumentException("unknown cluster key: " + key.name());
        }
    }

    public String encodeMember(Member member) {
        return MemberJson.encode(member);
    }

    public String encodeStatus(ClusterStatus status) {
        return ClusterJson.encodeStatus(status);
    }

    /** The cluster as the keys under the prefix describe it, read at store revision {@code revision}. */
    public ClusterView decodeView(long revision, Collection<RawKv> kvs) {
        Map<String, RawKv> byKey = new HashMap<>();
        Map<String, Member> members = new TreeMap<>();
        for (RawKv kv : kvs) {
            byKey.put(kv.key(), kv);
            KeyLayout.memberName(kv.key())
                    .flatMap(name -> decode(kv, v -> MemberJson.decode(name, v)))
                    .ifPresent(m -> members.put(m.name(), m));
        }
        Optional<RawKv> initialize = Optional.ofNullable(byKey.get(KeyLayout.INITIALIZE));
        // Kept as it is (present: the cluster counts as initialized, nobody bootstraps); the leader rewrites it.
        initialize.filter(kv -> !kv.value().isEmpty() && !ClusterView.isSystemIdentifier(kv.value()))
                .ifPresent(kv -> warnOnce(kv, "not a system identifier"));
        Optional<RawKv> config = Optional.ofNullable(byKey.get(KeyLayout.CONFIG));
        Optional<RawKv> sync = Optional.ofNullable(byKey.get(KeyLayout.SYNC));
        return new ClusterView(revision,
                initialize.map(RawKv::value),
                leader(byKey.get(KeyLayout.LEADER)),
                members,
                config.flatMap(kv -> decode(kv, ClusterJson::decodeConfig)),
                config.map(RawKv::modRevision).orElse(0L),
                sync.map(kv -> decode(kv, v -> ClusterJson.decodeSync(v, kv.modRevision()))
                                .orElse(new SyncState(Optional.empty(), List.of(), kv.modRevision())))
                        .orElse(SyncState.EMPTY),
                Optional.ofNullable(byKey.get(KeyLayout.FAILOVER))
                        .flatMap(kv -> decode(kv, v -> ClusterJson.decodeFailover(v, kv.modRevision())))
                        .flatMap(request -> request),
                Optional.ofNullable(byKey.get(KeyLayout.HISTORY))
                        .flatMap(kv -> decode(kv, ClusterJson::decodeHistory)).orElse(List.of()),
                status(byKey),
                Optional.ofNullable(byKey.get(KeyLayout.FAILSAFE)).flatMap(kv -> decode(kv, ClusterJson::decodeFailsafe)));
    }

    private Optional<Leader> leader(RawKv kv) {
        if (kv == null) {
            return Optional.empty();
        }
        return decode(kv, v -> {
            if (v.isBlank()) {
                throw new Json.Garbage("empty member name");
            }
            return new Leader(v, kv.modRevision(), kv.createRevision());
        });
    }

    private ClusterStatus status(Map<String, RawKv> byKey) {
        RawKv status = byKey.get(KeyLayout.STATUS);
        if (status != null) {
            return decode(status, ClusterJson::decodeStatus).orElse(ClusterStatus.EMPTY);
        }
        RawKv legacy = byKey.get(KeyLayout.LEGACY_OPTIME);
        return legacy == null ? ClusterStatus.EMPTY
                : decode(legacy, ClusterJson::decodeLegacyOptime).orElse(ClusterStatus.EMPTY);
    }

    private <T> Optional<T> decode(RawKv kv, Function<String, T> decoder) {
        try {
            return Optional.of(decoder.apply(kv.value()));
        } catch (Json.Garbage | IllegalArgumentException | NullPointerException e) {
            warnOnce(kv, "ignoring key", e.getMessage());
            return Optional.empty();
        }
    }

    private void warnOnce(RawKv kv, String problem) {
        warnOnce(kv, "key", problem);
    }

    private void warnOnce(RawKv kv, String what, String problem) {
        if (logged.add(kv.key() + "@" + kv.modRevision())) {
            String shown = kv.value().length() > SHOWN_CHARS ? kv.value().substring(0, SHOWN_CHARS) + "..."
                    : kv.value();
            LOG.warn("{} - {} {} at revision {}: {} (value: '{}')", context, what, kv.key(), kv.modRevision(),
                    problem, shown.replaceAll("\\p{Cntrl}", "?"));
        }
    }
}
