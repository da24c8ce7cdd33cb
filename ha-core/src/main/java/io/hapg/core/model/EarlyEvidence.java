package io.hapg.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Fast failover's memory on a member that does not lead ({@code FAST-FAILOVER.md}): what it last
 * observed of the leader's heartbeat, and the probes of the leader's PostgreSQL it gathered. The
 * HA loop renews it each iteration with {@link #next} (pure); the decision engine reads it from
 * {@link LocalState#early()}.
 *
 * @param seen   the heartbeat observation; empty before the first successful read, or when this
 *               node leads or fast failover is off
 * @param probes the probes gathered about one leader in one term; empty before the first
 */
public record EarlyEvidence(Optional<HeartbeatSeen> seen, Optional<DeathEvidence> probes) {
    /** Nothing observed, nothing gathered. */
    public static final EarlyEvidence NONE = new EarlyEvidence(Optional.empty(), Optional.empty());
    /** At most this many probes are kept; only the freshest count anyway. */
    static final int KEEP = 64;

    public EarlyEvidence {
        Objects.requireNonNull(seen, "seen");
        Objects.requireNonNull(probes, "probes");
    }

    /**
     * The memory after one iteration: the latest heartbeat observation, and the probes of
     * {@code leader} with {@code arrived} appended. Probes about another leader or term are
     * dropped (the leader or its term changed: old evidence says nothing about the new one), as
     * are all of them when no other member leads.
     *
     * @param leader  the leader key in this iteration's view, when another member holds it
     * @param seen    the monitor's latest observation
     * @param arrived probes received since the last iteration, each with the leader it was about
     */
    public EarlyEvidence next(Optional<Leader> leader, Optional<HeartbeatSeen> seen, List<Arrived> arrived) {
        if (leader.isEmpty()) {
            return new EarlyEvidence(seen, Optional.empty());
        }
        Leader l = leader.get();
        DeathEvidence evidence = probes.filter(p -> p.about(l)).orElseGet(() -> DeathEvidence.none(l.name(), l.term()));
        for (Arrived a : arrived) {
            if (a.leader().equals(l.name()) && a.term() == l.term()) {
                evidence = evidence.with(a.probe());
            }
        }
        if (evidence.probes().size() > KEEP) {
            List<LeaderProbe> all = evidence.probes();
            evidence = new DeathEvidence(evidence.leader(), evidence.term(), all.subList(all.size() - KEEP, all.size()));
        }
        return new EarlyEvidence(seen, Optional.of(evidence));
    }

    /**
     * A probe result as it arrives from the prober, with the leader and term it was made for.
     *
     * @param leader the leader probed
     * @param term   its term when the probe was started
     * @param probe  the outcome, with this node's receive time
     */
    public record Arrived(String leader, long term, LeaderProbe probe) {
        public Arrived {
            Objects.requireNonNull(leader, "leader");
            Objects.requireNonNull(probe, "probe");
        }
    }
}
