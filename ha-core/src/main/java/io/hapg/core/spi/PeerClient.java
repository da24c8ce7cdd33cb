package io.hapg.core.spi;

import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import java.time.Duration;
import java.util.Collection;
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

    @Override
    void close();
}
