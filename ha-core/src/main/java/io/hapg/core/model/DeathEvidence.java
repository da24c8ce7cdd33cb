package io.hapg.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The probes of one leader's PostgreSQL gathered by this node for fast failover, in the order
 * received. Evidence belongs to one leader in one term: probes of another term are no evidence.
 *
 * @param leader the probed leader
 * @param term   its term (the leader key's create revision)
 * @param probes this node's and the other members' probes, oldest first
 */
public record DeathEvidence(String leader, long term, List<LeaderProbe> probes) {

    public DeathEvidence {
        Objects.requireNonNull(leader, "leader");
        probes = List.copyOf(probes);
    }

    /** No probe yet of {@code leader} in {@code term}. */
    public static DeathEvidence none(String leader, long term) {
        return new DeathEvidence(leader, term, List.of());
    }

    /** This evidence with {@code probe} appended. */
    public DeathEvidence with(LeaderProbe probe) {
        List<LeaderProbe> more = new ArrayList<>(probes);
        more.add(probe);
        return new DeathEvidence(leader, term, more);
    }

    /** Whether it is about {@code current}'s holder in its term. */
    public boolean about(Leader current) {
        return leader.equals(current.name()) && term == current.term();
    }
}
