package io.hapg.etcd.internal;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This agent's one etcd lease (TTL = {@code ttl}), which carries its member key and, while it
 * leads, the leader key. Renewal is driven by the caller, one {@code keepAliveOnce} per call,
 * never by jetcd's background keepalive stream: that stream does not heal after an etcd outage
 * (STACK.md G2), and the agent's own deadline, not this lease, decides when a primary demotes.
 * A lease etcd no longer knows (expired, revoked) is replaced by a freshly granted one.
 *
 * <p>Thread-safety: all methods are synchronized; each blocks for at most its deadline.
 */
public final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final Lease lease;
    private final long ttlSeconds;
    private final EtcdErrors errors;
    private final String context;
    private long leaseId;

    public LeaseKeeper(Lease lease, long ttlSeconds, EtcdErrors errors, String context) {
        this.lease = lease;
        this.ttlSeconds = ttlSeconds;
        this.errors = errors;
        this.context = context;
    }

    /** The current lease, granting one if there is none. Does not renew an existing lease. */
    public synchronized long current(Deadline deadline) {
        return leaseId != 0 ? leaseId : grant(deadline);
    }

    /**
     * Renews the current lease once ({@code keepAliveOnce}); grants a new one when there is none or
     * etcd no longer knows it.
     *
     * @return the live lease
     */
    public synchronized long refresh(Deadline deadline) {
        if (leaseId != 0) {
            long id = leaseId;
            try {
                LeaseKeepAliveResponse r = errors.call("keep lease alive", deadline, n -> lease.keepAliveOnce(id));
                LOG.trace("{} - lease {} renewed, ttl {}", context, Long.toHexString(id), r.getTTL());
                return id;
            } catch (EtcdErrors.LeaseNotFoundException e) {
                LOG.warn("{} - lease {} is gone from etcd (expired or revoked); granting a new one", context,
                        Long.toHexString(id));
                leaseId = 0;
            }
        }
        return grant(deadline);
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
        LeaseGrantResponse r = errors.call("grant lease", deadline, n -> lease.grant(ttlSeconds));
        leaseId = r.getID();
        LOG.info("{} - granted lease {} with ttl {} s", context, Long.toHexString(leaseId), r.getTTL());
        return leaseId;
    }
}
