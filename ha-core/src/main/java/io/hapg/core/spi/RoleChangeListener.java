package io.hapg.core.spi;


/**
 * Told when this node's role or the cluster's leader changes: the application notification SPI.
 * Every method has a no-op default, so a listener implements only what it needs.
 *
 * <p><b>Edges only.</b> A method is called once per real change, never per loop iteration.
 * <b>Off the loop.</b> Calls run on the agent's listener executor, one at a time in order, each
 * with a timeout; a slow, hanging or throwing listener is logged and never delays the HA loop.
 * <b>Possibly stale.</b> By the time a call runs the cluster may have moved on again; expect
 * another call to follow.
 */
public interface RoleChangeListener {

    /** This node's role changed, e.g. replica → primary after a promotion. */
    default void roleChanged(RoleChange change) {
    }

    /** The cluster's leader changed (including to or from "no leader"). */
    default void leaderChanged(RoleChange change) {
    }

    /**
     * A PostgreSQL lifecycle event without a role change, named as Patroni's callbacks are:
     * {@code on_start}, {@code on_stop}, {@code on_restart}, {@code on_reload}.
     */
    default void lifecycle(String action, RoleChange context) {
    }
}
