package io.hapg.core.model;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The table of legal role changes. The agent loop checks every change against it, so a bug in
 * the decision engine that would, say, turn a replica straight into a primary without taking the
 * leader key fails loudly instead of silently.
 *
 * <pre>
 * UNKNOWN       → any role (the first probe decides)
 * UNINITIALIZED → REPLICA (cloned), CANDIDATE (won the bootstrap race)
 * REPLICA       → CANDIDATE (took the leader key), UNINITIALIZED (re-clone)
 * CANDIDATE     → PRIMARY (promoted), REPLICA (lost the key or pre_promote vetoed)
 * PRIMARY       → DEMOTING (lost or released the key)
 * DEMOTING      → REPLICA (following the new leader), UNINITIALIZED (re-clone), PRIMARY (key re-taken while paused)
 * </pre>
 */
public final class RoleTransitions {
    private static final Map<Role, Set<Role>> LEGAL = new EnumMap<>(Role.class);

    static {
        LEGAL.put(Role.UNKNOWN, EnumSet.allOf(Role.class));
        LEGAL.put(Role.UNINITIALIZED, EnumSet.of(Role.REPLICA, Role.CANDIDATE));
        LEGAL.put(Role.REPLICA, EnumSet.of(Role.CANDIDATE, Role.UNINITIALIZED));
        LEGAL.put(Role.CANDIDATE, EnumSet.of(Role.PRIMARY, Role.REPLICA));
        LEGAL.put(Role.PRIMARY, EnumSet.of(Role.DEMOTING));
        LEGAL.put(Role.DEMOTING, EnumSet.of(Role.REPLICA, Role.UNINITIALIZED, Role.PRIMARY));
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
     * The shortest chain of legal changes from {@code from} to {@code to}, excluding {@code from}
     * (empty when they are equal): e.g. PRIMARY to REPLICA goes through DEMOTING. The loop walks
     * it so that every intermediate role is logged and announced.
     *
     * @throws IllegalStateTransitionException when no chain exists
     */
    public static java.util.List<Role> path(Role from, Role to) {
        java.util.Map<Role, Role> previous = new EnumMap<>(Role.class);
        java.util.ArrayDeque<Role> queue = new java.util.ArrayDeque<>(java.util.List.of(from));
        previous.put(from, from);
        while (!queue.isEmpty()) {
            Role at = queue.poll();
            if (at == to) {
                java.util.LinkedList<Role> chain = new java.util.LinkedList<>();
                for (Role r = to; r != from; r = previous.get(r)) {
                    chain.addFirst(r);
                }
                return chain;
            }
            for (Role next : LEGAL.get(at)) {
                if (!previous.containsKey(next)) {
                    previous.put(next, at);
                    queue.add(next);
                }
            }
        }
        throw new IllegalStateTransitionException(from, to);
    }

    /** A role change the table forbids: a bug in the caller, never an operational condition. */
    public static final class IllegalStateTransitionException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        IllegalStateTransitionException(Role from, Role to) {
            super("illegal role transition " + from + " -> " + to);
        }
    }
}
