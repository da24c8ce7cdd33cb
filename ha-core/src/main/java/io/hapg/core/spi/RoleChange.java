package io.hapg.core.spi;

import io.hapg.core.model.Member;
import io.hapg.core.model.Role;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link io.hapg.core.spi.RoleChangeListener} is told: this node's old and new role and
 * the cluster's old and new leader, so an application knows where to go, not just that
 * something happened.
 *
 * @param scope        the cluster name
 * @param member       this node's name
 * @param oldRole      the role before the change
 * @param newRole      the role after it
 * @param oldLeader    the leader before the change
 * @param newLeader    the leader after it
 * @param leaderMember the new leader's member record (its {@code conn_url}), when known
 */
public record RoleChange(String scope, String member, Role oldRole, Role newRole, Optional<String> oldLeader,
                         Optional<String> newLeader, Optional<Member> leaderMember) {
    public RoleChange {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(oldRole, "oldRole");
        Objects.requireNonNull(newRole, "newRole");
        Objects.requireNonNull(oldLeader, "oldLeader");
        Objects.requireNonNull(newLeader, "newLeader");
        Objects.requireNonNull(leaderMember, "leaderMember");
    }
}
