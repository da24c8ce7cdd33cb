package io.hapg.core.spi;

/**
 * Asked, synchronously, after this node took the leader key and before it promotes PostgreSQL:
 * the place for fencing the old primary (an IPMI call, a cloud API). Returning false vetoes the
 * promotion: the agent releases the key and does not race again for one {@code ttl}.
 * Patroni's {@code pre_promote} script is one implementation (non-zero exit = veto).
 *
 * <p>Runs on the agent's action executor while the loop keeps renewing the lease; an exception
 * counts as a veto.
 */
@FunctionalInterface
public interface PrePromoteHook {
    /** Never vetoes. */
    PrePromoteHook ALLOW = context -> true;

    /** @return true to go on with the promotion */
    boolean approve(RoleChange context);
}
