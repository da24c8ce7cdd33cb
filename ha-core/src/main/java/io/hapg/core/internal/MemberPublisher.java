package io.hapg.core.internal;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Member;
import io.hapg.core.model.Role;
import io.hapg.core.model.Tags;
import java.util.Optional;

/**
 * Builds the {@code members/<name>} document this agent publishes each iteration, with Patroni's
 * fields, from the agent's state and the latest database probe.
 *
 * @param name    this member
 * @param connUrl {@code postgres://host:port/postgres}
 * @param apiUrl  {@code http://host:port/patroni}
 * @param tags    this member's tags
 * @param version the agent version published in {@code version}
 */
public record MemberPublisher(String name, String connUrl, String apiUrl, Tags tags, String version) {

    public Member member(LocalState local, DatabaseState db) {
        return member(local, db, Optional.empty());
    }

    /** Like {@link #member(LocalState, DatabaseState)}, with the restart scheduled on this node, if any. */
    public Member member(LocalState local, DatabaseState db, Optional<Member.ScheduledRestart> scheduledRestart) {
        String state = switch (db.process()) {
            case RUNNING -> "running";
            case STARTING -> "starting";
            case UNRESPONSIVE -> "running";
            case STOPPED -> local.actionInProgress().isPresent() ? "starting" : "stopped";
        };
        // Patroni writes its PostgreSQL role: a standby cluster's leader is a standby_leader, not a replica.
        String role = db.isRunning() && db.inRecovery() && local.role() != Role.STANDBY_LEADER ? "replica"
                : local.role().wireName();
        return new Member(name, connUrl, apiUrl, role, state, db.walPosition(), db.receiveLsn(), db.replayLsn(),
                db.timeline(), Member.replicationState(local, db), tags, version, db.isRunning() && db.pendingRestart(),
                scheduledRestart);
    }
}
