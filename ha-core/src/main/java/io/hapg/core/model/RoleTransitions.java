package io.hapg.core.model;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The table of legal role changes. The agent loop checks every change against it and refuses
 * (and logs) an illegal one, so a bug that would, say, announce a primary that never promoted, or
 * turn a primary back into a candidate, is caught instead of being told to listeners and
 * {@code on_role_change} scripts.
 *
 * <p>Direct changes, as the agent makes them (Patroni's roles move the same way in {@code ha.py}):
 * <pre>
 * UNKNOWN       → any role (the first probe decides)
 * UNINITIALIZED → REPLICA (cloned), CANDIDATE (won the bootstrap race)
 * REPLICA       → CANDIDATE (took the leader key), UNINITIALIZED (re-clone),
 *                 DEMOTING (PostgreSQL found running as a primary without the key: stopped, as
 *                 Patroni demotes any running primary that does not hold the lock)
 * CANDIDATE     → PRIMARY (promoted, or bootstrapped), REPLICA (pre_promote vetoed, or the key
 *                 lost before PostgreSQL left recovery), DEMOTING (the store or the lease lost
 *                 mid-promotion: PostgreSQL is stopped, Patroni's "lost leader before promote"),
 *                 UNINITIALIZED (bootstrap failed and another member's cluster is cloned)
 * PRIMARY       → DEMOTING (lost or released the key)
 * DEMOTING      → REPLICA (following the new leader), UNINITIALIZED (re-clone),
 *                 PRIMARY (the key is still, or again, mine: PostgreSQL restarts as primary in place),
 *                 STANDBY_LEADER (a standby cluster's leader stepped down and got the key back)
 * STANDBY_LEADER (standby cluster) ← UNINITIALIZED (cloned the remote as the new cluster's leader),
 *                 REPLICA (took the key);
 *                 → CANDIDATE (the standby_cluster section was removed: promoting), REPLICA (lost the
 *                 key), DEMOTING (switchover), UNINITIALIZED (re-clone)
 * </pre>
 *
 * <p>A few changes the agent reports in one step are announced as two legal ones, each true of
 * the node ({@link #path}): a primary that ends up a replica or re-cloning passed through
 * DEMOTING; a replica that ends up primary took the key first (CANDIDATE). Nothing else is
 * chained: in particular no change passes through PRIMARY on its way elsewhere.
 */
public final class RoleTransitions {
    private static final Map<Role, Set<Role>> LEGAL = new EnumMap<>(Role.class);
    private static final Map<Role, Map<Role, Role>> VIA = new EnumMap<>(Role.class);

    static {
        LEGAL.put(Role.UNKNOWN, EnumSet.allOf(Role.class));
        LEGAL.put(Role.UNINITIALIZED, EnumSet.of(Role.REPLICA, Role.CANDIDATE, Role.STANDBY_LEADER));
        LEGAL.put(Role.REPLICA, EnumSet.of(Role.CANDIDATE, Role.UNINITIALIZED, Role.DEMOTING, Role.STANDBY_LEADER));
        LEGAL.put(Role.STANDBY_LEADER, EnumSet.of(Role.CANDIDATE, Role.REPLICA, Role.DEMOTING, Role.UNINITIALIZED));
        LEGAL.put(Role.CANDIDATE, EnumSet.of(Role.PRIMARY, Role.REPLICA, Role.DEMOTING, Role.UNINITIALIZED));
        LEGAL.put(Role.PRIMARY, EnumSet.of(Role.DEMOTING));
        LEGAL.put(Role.DEMOTING, EnumSet.of(Role.REPLICA, Role.UNINITIALIZED, Role.PRIMARY, Role.STANDBY_LEADER));
        VIA.put(Role.PRIMARY, Map.of(Role.REPLICA, Role.DEMOTING, Role.UNINITIALIZED, Role.DEMOTING));
        VIA.put(Role.REPLICA, Map.of(Role.PRIMARY, Role.CANDIDATE));
    }

    private RoleTransitions() {
    }

    /** True when {@code from → to} is legal; staying in the same role always is. */
    public static boolean isLegal(Role from, Role to) {
        return from == to || LEGAL.get(from).contains(to);
    }

    /**
     * Returns {@code to} when the change is legal.
     *
     * @throws IllegalStateTransitionException otherwise
     */
    public static Role check(Role from, Role to) {
        if (!isLegal(from, to)) {
            throw new IllegalStateTransitionException(from, to);
        }
        return to;
    }

    /**
     * The legal changes that take {@code from} to {@code to}, excluding {@code from} (empty when
     * they are equal): the direct change when it is legal, else one of the few two-step changes
     * listed above (PRIMARY to REPLICA goes through DEMOTING). The loop announces each step.
     *
     * @throws IllegalStateTransitionException when neither exists
     */
    public static List<Role> path(Role from, Role to) {
        if (from == to) {
            return List.of();
        }
        if (isLegal(from, to)) {
            return List.of(to);
        }
        Role via = VIA.getOrDefault(from, Map.of()).get(to);
        if (via == null) {
            throw new IllegalStateTransitionException(from, to);
        }
        return List.of(check(from, via), check(via, to));
    }

    /** A role change the table forbids: a bug in the caller, never an operational condition. */
    public static final class IllegalStateTransitionException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        IllegalStateTransitionException(Role from, Role to) {
            super("illegal role transition " + from + " -> " + to);
        }
    }
}
