package io.hapg.etcd.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.hapg.core.model.Leader;
import io.etcd.jetcd.options.PutOption;
import io.hapg.core.model.Heartbeat;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fast-failover heartbeat key ({@link KeyLayout#heartbeat()}): the leader's conditioned write
 * and anyone's read. The value is {@code {"leader": <name>, "term": <leader create revision>}};
 * only its modification revision is evidence, the value says who wrote it in which term.
 */
public final class HeartbeatKey {
    private final KV kv;
    private final EtcdErrors errors;
    private final LeaderKey leaderKey;
    private final ByteSequence key;
    private final ByteSequence leaderKeyBytes;
    private final ByteSequence syncKey;
    private final String member;

    public HeartbeatKey(KV kv, EtcdErrors errors, LeaderKey leaderKey, KeyLayout layout, String member) {
        this.kv = kv;
        this.errors = errors;
        this.leaderKey = leaderKey;
        this.key = KeyLayout.bytes(layout.heartbeat());
        this.leaderKeyBytes = layout.keyBytes(KeyLayout.LEADER);
        this.syncKey = layout.keyBytes(KeyLayout.SYNC);
        this.member = member;
    }

    /**
     * One transaction: if the leader key names me and was created at {@code term}, put the
     * heartbeat. A retried attempt that finds the term still held writes again, which only moves
     * the revision once more: harmless.
     *
     * @return true if written; false if the term moved on
     */
    public boolean write(long term, Deadline deadline) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("leader", member);
        value.put("term", term);
        ByteSequence bytes = KeyLayout.bytes(Json.write(value));
        TxnResponse r = errors.call("write heartbeat", deadline, n -> kv.txn().If(leaderKey.heldIn(term))
                .Then(Op.put(key, bytes, PutOption.DEFAULT)).commit());
        return r.isSucceeded();
    }

    /**
     * Fast failover's one transaction: if the leader key still has {@code seen}'s value, create and
     * modification revision, {@code sync} its {@code syncRevision} and the heartbeat its
     * {@code heartbeatRevision}, put the leader key with my name on {@code lease} and
     * {@code sync = syncJson}. After a retry, my name on my lease means my earlier attempt won.
     *
     * @throws EtcdErrors.LeaseNotFoundException when etcd does not know {@code lease}
     */
    public boolean takeOver(Leader seen, long syncRevision, long heartbeatRevision, long lease, String syncJson,
                            Deadline deadline) {
        Cmp[] unchanged = {new Cmp(leaderKeyBytes, Cmp.Op.EQUAL, CmpTarget.value(KeyLayout.bytes(seen.name()))),
                new Cmp(leaderKeyBytes, Cmp.Op.EQUAL, CmpTarget.modRevision(seen.revision())),
                new Cmp(leaderKeyBytes, Cmp.Op.EQUAL, CmpTarget.createRevision(seen.term())),
                new Cmp(syncKey, Cmp.Op.EQUAL, CmpTarget.modRevision(syncRevision)),
                new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(heartbeatRevision))};
        PutOption withLease = PutOption.builder().withLeaseId(lease).build();
        ByteSequence me = KeyLayout.bytes(member);
        int[] attempt = {0};
        TxnResponse r = errors.call("take over the leader key", deadline, n -> {
            attempt[0] = n;
            return kv.txn().If(unchanged)
                    .Then(Op.put(leaderKeyBytes, me, withLease),
                            Op.put(syncKey, KeyLayout.bytes(syncJson), PutOption.DEFAULT))
                    .Else(Op.get(leaderKeyBytes, GetOption.DEFAULT)).commit();
        });
        if (r.isSucceeded()) {
            return true;
        }
        return attempt[0] > 0 && r.getGetResponses().stream().flatMap(g -> g.getKvs().stream())
                .anyMatch(k -> k.getValue().equals(me) && k.getLease() == lease);
    }

    /** One linearizable read; {@link Heartbeat#ABSENT} when the key is absent. */
    public Heartbeat read(Deadline deadline) {
        List<KeyValue> kvs = errors.call("read heartbeat", deadline, n -> kv.get(key)).getKvs();
        if (kvs.isEmpty()) {
            return Heartbeat.ABSENT;
        }
        KeyValue stored = kvs.get(0);
        Optional<String> leader = Optional.empty();
        long term = 0;
        try {
            JsonNode node = Json.object(stored.getValue().toString(StandardCharsets.UTF_8));
            leader = Json.text(node, "leader");
            term = Json.number(node, "term").filter(t -> t > 0).orElse(0L);
        } catch (RuntimeException e) {
            // An unreadable value still moved the revision: keep the revision, drop who and when.
        }
        return new Heartbeat(stored.getModRevision(), term > 0 ? leader : Optional.empty(), term);
    }
}
