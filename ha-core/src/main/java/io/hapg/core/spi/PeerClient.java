package io.hapg.core.spi;

import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asks other members' agents about themselves over their REST API. The HA loop uses it in the
 * leader race ({@code GET /patroni}, as Patroni does) and, with the store unreachable, for
 * failsafe ({@code POST /failsafe}).
 */
public interface PeerClient extends AutoCloseable {

    /**
     * Asks every member in parallel and waits at most {@code timeout} in total. Members that do
     * not answer in time, or answer garbage, are absent from the result; never throws for them.
     */
    Map<String, PeerStatus> statuses(Collection<Member> members, Duration timeout);

    /**
     * Tells every member that this node still runs as primary while the store is unreachable.
     *
     * @return true only if every member accepted within {@code timeout}
     */
    boolean failsafe(Collection<Member> members, String leaderName, Duration timeout);

    /**
     * Fast failover ({@code FAST-FAILOVER.md}): asks every member of {@code voters} in parallel to
     * probe {@code leader}'s PostgreSQL ({@code POST /hapg/probe-leader}, authenticated like the
     * other unsafe calls) and waits at most {@code timeout} in total. A voter probes only the
     * member its own view names as leader, so a caller cannot point it elsewhere. {@code timeout}
     * bounds the whole exchange, the voters' own probes included, so leave them room: the HTTP
     * implementation asks each voter to probe with a quarter of it (100 ms to 5 s).
     *
     * @return each voter's outcome; a voter that did not answer in time, refused, or answered
     *         garbage is {@link LeaderProbe.Outcome#VOTER_UNREACHABLE} (counts as "alive"); never
     *         throws. The default reports every voter unreachable.
     */
    default Map<String, LeaderProbe.Outcome> probeLeader(Collection<Member> voters, String leader, Duration timeout) {
        Map<String, LeaderProbe.Outcome> out = new LinkedHashMap<>();
        voters.forEach(v -> out.put(v.name(), LeaderProbe.Outcome.VOTER_UNREACHABLE));
        return out;
    }

    @Override
    void close();
}
