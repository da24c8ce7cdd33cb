package io.hapg.core.testing;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.DataDirectory;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.Role;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.Tags;
import java.util.List;
import java.util.Optional;

/** What a fake node shows the outside: its probe and its member record. Called under the network's lock. */
final class FakeNodeViews {
    private FakeNodeViews() {
    }

    static DatabaseState probe(NodeState n, FakeDatabaseNetwork network) {
        if (!n.initialized) {
            return DatabaseState.empty();
        }
        Optional<String> sysid = Optional.of(n.systemIdentifier);
        if (!n.running) {
            String detail = !n.cleanShutdown ? "not running (crashed or stopped immediately)"
                    : n.standby ? "shut down in recovery" : "shut down";
            return new DatabaseState(DataDirectory.INITIALIZED, ProcessState.STOPPED, false, Optional.empty(),
                    Optional.empty(), Optional.empty(), n.timeline, sysid, List.of(), n.synchronousStandbys,
                    Optional.of(n.checkpoint), n.cleanShutdown, detail);
        }
        if (n.unresponsive) {
            return new DatabaseState(DataDirectory.INITIALIZED, ProcessState.UNRESPONSIVE, false, Optional.empty(),
                    Optional.empty(), Optional.empty(), n.timeline, sysid, List.of(), n.synchronousStandbys,
                    Optional.empty(), false, "postmaster not answering");
        }
        if (n.standby) {
            String detail = "running as replica of " + n.upstream
                    + network.notStreamingReasonLocked(n).map(why -> ", not streaming: " + why).orElse(", streaming");
            return new DatabaseState(DataDirectory.INITIALIZED, ProcessState.RUNNING, true, Optional.empty(),
                    Optional.of(n.flushed), Optional.of(n.replayed), n.timeline, sysid,
                    network.replicationRowsLocked(n), n.synchronousStandbys, Optional.empty(), false, detail);
        }
        return new DatabaseState(DataDirectory.INITIALIZED, ProcessState.RUNNING, false, Optional.of(n.flushed),
                Optional.empty(), Optional.empty(), n.timeline, sysid, network.replicationRowsLocked(n),
                n.synchronousStandbys, Optional.empty(), false, "running as primary")
                .withSync(n.synchronousAny > 0 ? SynchronousStandbyNames.anyOf(n.synchronousAny, n.synchronousStandbys)
                        : SynchronousStandbyNames.allOf(n.synchronousStandbys), Optional.of(n.synchronousChange));
    }

    static Member member(NodeState n, FakeDatabaseNetwork network) {
        String role = !n.initialized ? Role.UNINITIALIZED.wireName()
                : n.standby ? Role.REPLICA.wireName() : Role.PRIMARY.wireName();
        boolean replica = n.initialized && n.standby;
        boolean up = n.running && !n.unresponsive;
        Optional<Lsn> xlog = !n.initialized ? Optional.empty() : Optional.of(replica ? Lsn.max(n.flushed, n.replayed)
                : n.flushed);
        Optional<String> replicationState = replica && up
                ? Optional.of(network.streamingUpstreamLocked(n) != null ? "streaming" : "in archive recovery")
                : Optional.empty();
        return new Member(n.name, "postgres://" + n.name + ":5432/postgres", "http://" + n.name + ":8008/patroni",
                role, up ? Member.STATE_RUNNING : "stopped", xlog,
                replica ? Optional.of(n.flushed) : Optional.empty(),
                replica ? Optional.of(n.replayed) : Optional.empty(),
                n.timeline, replicationState, Tags.NONE, "fake");
    }
}
