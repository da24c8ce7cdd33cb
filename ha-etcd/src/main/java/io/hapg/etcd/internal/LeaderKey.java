package io.hapg.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code leader} key's three atomic operations, as Patroni's etcd3 backend does them. Each is
 * one etcd transaction; its Else branch reads the key, so a "no" answer after a retried attempt
 * can be checked against "my earlier attempt was applied and its answer lost".
 */
public final class LeaderKey {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderKey.class);

    private final KV kv;
    private final EtcdErrors errors;
    private final ByteSequence key;
    private final ByteSequence me;
    private final String context;

    public LeaderKey(KV kv, EtcdErrors errors, KeyLayout layout, String member, String context) {
        this.kv = kv;
        this.errors = errors;
        this.key = layout.keyBytes(KeyLayout.LEADER);
        this.me = KeyLayout.bytes(member);
        this.context = context;
    }

    /**
     * If the key is absent (create revision 0), creates it with my name on {@code lease}.
     *
     * @throws EtcdErrors.LeaseNotFoundException when etcd does not know {@code lease}
     */
    public boolean create(long lease, Deadline deadline) {
        Cmp[] absent = {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))};
        return putIf(absent, lease, deadline, "acquire leader key");
    }

    /**
     * Confirms I hold the key on {@code lease}: no write when it already does; moves it to
     * {@code lease} when it names me on an older lease (same term); when it is absent, re-creates
     * it only if {@code lostWithLease} (it expired with my previous lease and nobody took it yet),
     * as Patroni's etcd3 backend does. An absent key while my lease lived was deleted on purpose.
     *
     * @return the term I hold the key in (its create revision), or 0 when the key names another
     *         member, is absent and was not lost with my lease, or someone else created it first
     * @throws EtcdErrors.LeaseNotFoundException when etcd does not know {@code lease}
     */
    public long hold(long lease, boolean lostWithLease, Deadline deadline) {
        List<KeyValue> current = errors.call("read leader key", deadline, n -> kv.get(key)).getKvs();
        if (current.isEmpty()) {
            if (!lostWithLease) {
                return 0;
            }
            boolean created = create(lease, deadline);
            if (!created) {
                return 0;
            }
            LOG.warn("{} - the leader key had expired; re-created it on lease {}", context, Long.toHexString(lease));
            // The create revision of the key just written: read back, the renewal's status write is conditioned on it.
            return errors.call("read leader key", deadline, n -> kv.get(key)).getKvs().stream()
                    .filter(k -> k.getValue().equals(me)).mapToLong(KeyValue::getCreateRevision).findFirst().orElse(0);
        }
        KeyValue leader = current.get(0);
        if (!leader.getValue().equals(me)) {
            return 0;
        }
        long term = leader.getCreateRevision();
        if (leader.getLease() == lease) {
            return term;
        }
        return putIf(heldIn(term), lease, deadline, "move leader key to the new lease") ? term : 0;
    }

    /**
     * The comparisons that make a transaction a write of the leader in {@code term}: the key names
     * me and was created at {@code term}. etcd fails a value comparison on an absent key.
     */
    public Cmp[] heldIn(long term) {
        return new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(me)),
                new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(term))};
    }

    /** The get to put in a transaction's Else branch, so a refusal can say who leads now ({@link #termMoved}). */
    public Op read() {
        return Op.get(key, GetOption.DEFAULT);
    }

    /**
     * Why a write of the leader in {@code term} was refused, from the {@link #read} answered in the
     * same transaction; empty when the term still holds (another comparison failed).
     */
    public Optional<String> termMoved(long term, List<KeyValue> leaderNow) {
        if (leaderNow.isEmpty()) {
            return Optional.of("the leader key is gone");
        }
        KeyValue now = leaderNow.get(0);
        String holder = now.getValue().toString(StandardCharsets.UTF_8);
        if (now.getValue().equals(me) && now.getCreateRevision() == term) {
            return Optional.empty();
        }
        return Optional.of("the leader key now names '" + holder + "' in term " + now.getCreateRevision());
    }

    /** Deletes the key if it names me. */
    public boolean delete(Deadline deadline) {
        Cmp mine = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(me));
        int[] attempt = {0};
        TxnResponse r = errors.call("release leader key", deadline, n -> {
            attempt[0] = n;
            return kv.txn().If(mine).Then(Op.delete(key, DeleteOption.DEFAULT)).Else(Op.get(key, GetOption.DEFAULT))
                    .commit();
        });
        if (r.isSucceeded()) {
            return true;
        }
        // After a retry, an absent key means my earlier attempt deleted it.
        return attempt[0] > 0 && value(r).isEmpty();
    }

    private boolean putIf(Cmp[] condition, long lease, Deadline deadline, String what) {
        PutOption withLease = PutOption.builder().withLeaseId(lease).build();
        int[] attempt = {0};
        TxnResponse r = errors.call(what, deadline, n -> {
            attempt[0] = n;
            return kv.txn().If(condition).Then(Op.put(key, me, withLease)).Else(Op.get(key, GetOption.DEFAULT))
                    .commit();
        });
        if (r.isSucceeded()) {
            return true;
        }
        // After a retry, my name on my lease means my earlier attempt was applied.
        return attempt[0] > 0 && value(r).filter(kv -> kv.getValue().equals(me) && kv.getLease() == lease).isPresent();
    }

    private static Optional<KeyValue> value(TxnResponse r) {
        return r.getGetResponses().stream().flatMap(g -> g.getKvs().stream()).findFirst();
    }
}
