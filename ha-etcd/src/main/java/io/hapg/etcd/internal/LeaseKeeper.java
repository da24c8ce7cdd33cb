package io.hapg.etcd.internal;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This agent's one etcd lease, which carries its member key and, while it leads, the leader key.
 * Its lifetime follows the cluster's live ttl ({@link #setTtl}): when the ttl changes, the next
 * refresh grants a lease with the new ttl instead of renewing the old one, and the callers move
 * the keys onto it, as Patroni's etcd3 backend does on {@code set_ttl}. Without that, a raised
 * ttl leaves a primary believing it holds the leader key longer than etcd keeps it.
 *
 * <p>Renewal is driven by the caller, one keepalive request per call on a stream kept open
 * between calls ({@link KeepAliveStream}), never by jetcd's background keepalive: that stream does
 * not heal after an etcd outage (STACK.md G2), and the agent's own deadline, not this lease,
 * decides when a primary demotes.
 * A lease etcd no longer knows (expired, revoked) is replaced by a freshly granted one.
 *
 * <p>Thread-safety: all methods are synchronized; each blocks for at most its deadline.
 */
public final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final Lease lease;
    private final KeepAliveStream keepAlives;
    private final EtcdErrors errors;
    private final String context;
    private long ttlSeconds;
    private long leaseId;
    /** The ttl the current lease was asked for (etcd may grant more, never less). */
    private long leaseTtlSeconds;
    /** The lease last replaced because the ttl changed: it was alive, not lost, when replaced. */
    private long retiredId;
    /** {@link System#nanoTime()} when the current lease was last granted or renewed. */
    private long renewedAtNanos;

    public LeaseKeeper(Lease lease, KeepAliveStream keepAlives, long ttlSeconds, EtcdErrors errors,
                       String context) {
        this.lease = lease;
        this.keepAlives = keepAlives;
        this.ttlSeconds = checkTtl(ttlSeconds);
        this.errors = errors;
        this.context = context;
    }

    /**
     * The ttl for the current lease from its next refresh on: a lease of another ttl is replaced
     * by a newly granted one there. No call to etcd here.
     */
    public synchronized void setTtl(long seconds) {
        if (seconds != ttlSeconds) {
            LOG.info("{} - ttl {} s -> {} s: the next refresh grants a lease with the new ttl", context, ttlSeconds,
                    checkTtl(seconds));
            ttlSeconds = seconds;
        }
    }

    /** The ttl leases are granted with now. */
    public synchronized long ttlSeconds() {
        return ttlSeconds;
    }

    /**
     * Whether {@code id} is the lease this keeper last replaced because the ttl changed: keys on it
     * were moved, not lost with it.
     */
    public synchronized boolean retiredOnPurpose(long id) {
        return id != 0 && id == retiredId;
    }

    /** The current lease, granting one if there is none. Does not renew an existing lease. */
    public synchronized long current(Deadline deadline) {
        return leaseId != 0 ? leaseId : grant(deadline);
    }

    /**
     * Renews the current lease once (one keepalive request); grants a new one when there is none,
     * etcd no longer knows it, or it was granted with another ttl than {@link #setTtl} asks for.
     *
     * @return the live lease
     */
    public synchronized long refresh(Deadline deadline) {
        if (leaseId != 0 && leaseTtlSeconds != ttlSeconds) {
            long old = leaseId;
            long oldTtl = leaseTtlSeconds;
            long id = grant(deadline);
            retiredId = old;
            LOG.info("{} - lease {} (ttl {} s) replaced by lease {} (ttl {} s); the old one expires on its own",
                    context, Long.toHexString(old), oldTtl, Long.toHexString(id), ttlSeconds);
            return id;
        }
        if (leaseId != 0) {
            long id = leaseId;
            try {
                long sent = System.nanoTime();
                long ttl = errors.call("keep lease alive", deadline, n -> keepAlives.keepAlive(id));
                renewedAtNanos = sent;
                LOG.trace("{} - lease {} renewed, ttl {}", context, Long.toHexString(id), ttl);
                return id;
            } catch (EtcdErrors.LeaseNotFoundException e) {
                LOG.warn("{} - lease {} is gone from etcd (expired or revoked); granting a new one", context,
                        Long.toHexString(id));
                leaseId = 0;
            }
        }
        return grant(deadline);
    }

    /**
     * {@link #refresh}, unless the current lease (of the ttl asked for) was granted or renewed less
     * than {@code maxAge} ago on the monotonic clock: then the current lease, with no call to etcd.
     * For the member key's write right after the leader's renewal in the same loop iteration: one
     * keepalive per iteration is enough.
     */
    public synchronized long refreshUnlessRenewedWithin(Duration maxAge, Deadline deadline) {
        boolean recent = System.nanoTime() - renewedAtNanos < maxAge.toNanos();
        return leaseId != 0 && leaseTtlSeconds == ttlSeconds && recent ? leaseId : refresh(deadline);
    }

    /** Drops {@code id} if it is still the current lease, after etcd said it does not know it. */
    public synchronized void forget(long id) {
        if (leaseId == id && id != 0) {
            LOG.warn("{} - lease {} is gone from etcd; the next call grants a new one", context, Long.toHexString(id));
            leaseId = 0;
        }
    }

    /** The current lease id, 0 when none was granted yet. */
    public synchronized long leaseId() {
        return leaseId;
    }

    private long grant(Deadline deadline) {
        long ttl = ttlSeconds;
        long sent = System.nanoTime();
        LeaseGrantResponse r = errors.call("grant lease", deadline, n -> lease.grant(ttl));
        if (r.getTTL() < ttl) { // etcd raises a ttl below its minimum, never lowers one
            throw new IllegalStateException("etcd granted lease " + Long.toHexString(r.getID()) + " a ttl of "
                    + r.getTTL() + " s, asked for " + ttl + " s");
        }
        leaseId = r.getID();
        leaseTtlSeconds = ttl;
        renewedAtNanos = sent;
        LOG.info("{} - granted lease {} with ttl {} s", context, Long.toHexString(leaseId), r.getTTL());
        return leaseId;
    }

    private static long checkTtl(long seconds) {
        if (seconds < 1) {
            throw new IllegalArgumentException("ttl: must be at least 1 s, got " + seconds + " s");
        }
        return seconds;
    }
}
