package io.hapg.core.decision;

import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.SyncState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** How the rules word values in a decision's reason, the same way everywhere. */
final class Reasons {

    private Reasons() {
    }

    static String describeSource(String source, String leader) {
        return source.equals(leader) ? "leader " + leader : source + " (replicatefrom; leader is " + leader + ")";
    }

    static String describe(SyncState sync) {
        return "(leader " + sync.leader().orElse("none") + ", standbys " + sync.syncStandbys() + ")";
    }

    static String describe(FailoverRequest request) {
        return request.isSwitchover() ? "switchover" : "manual failover";
    }

    static String lsn(Optional<Lsn> lsn) {
        return lsn.map(Lsn::toString).orElse("WAL position unknown");
    }

    static long seconds(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }

    static List<String> sorted(Set<String> names) {
        return names.stream().sorted().collect(Collectors.toList());
    }
}
