package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.RoleTransitions.IllegalStateTransitionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The role state machine: every legal pair passes, every other pair throws. */
class RoleTransitionsTest {

    static Stream<Arguments> legal() {
        return Stream.of(
                Arguments.of(Role.UNINITIALIZED, Role.REPLICA),     // cloned
                Arguments.of(Role.UNINITIALIZED, Role.CANDIDATE),   // won the bootstrap race
                Arguments.of(Role.REPLICA, Role.CANDIDATE),         // took the leader key
                Arguments.of(Role.REPLICA, Role.UNINITIALIZED),     // re-clone
                Arguments.of(Role.REPLICA, Role.DEMOTING),          // found running as primary without the key
                Arguments.of(Role.CANDIDATE, Role.PRIMARY),         // promoted
                Arguments.of(Role.CANDIDATE, Role.REPLICA),         // lost the key / pre_promote veto
                Arguments.of(Role.CANDIDATE, Role.DEMOTING),        // lost the store or the lease mid-promotion
                Arguments.of(Role.CANDIDATE, Role.UNINITIALIZED),   // bootstrap failed, another cluster cloned
                Arguments.of(Role.PRIMARY, Role.DEMOTING),          // lost or released the key
                Arguments.of(Role.DEMOTING, Role.REPLICA),          // follows the new leader
                Arguments.of(Role.DEMOTING, Role.UNINITIALIZED),    // re-clone after a failed rewind
                Arguments.of(Role.DEMOTING, Role.PRIMARY),          // key still or again mine: restarted in place
                Arguments.of(Role.UNINITIALIZED, Role.STANDBY_LEADER), // cloned the remote, a new standby cluster
                Arguments.of(Role.REPLICA, Role.STANDBY_LEADER),    // took the key of a standby cluster
                Arguments.of(Role.STANDBY_LEADER, Role.CANDIDATE),  // standby_cluster removed: promoting
                Arguments.of(Role.STANDBY_LEADER, Role.REPLICA),    // lost the key
                Arguments.of(Role.STANDBY_LEADER, Role.DEMOTING),   // switchover in the standby cluster
                Arguments.of(Role.STANDBY_LEADER, Role.UNINITIALIZED), // re-clone
                Arguments.of(Role.DEMOTING, Role.STANDBY_LEADER));  // stepped down, the key came back
    }

    static Stream<Arguments> illegal() {
        return Stream.of(
                Arguments.of(Role.REPLICA, Role.PRIMARY),           // promotion without the key
                Arguments.of(Role.UNINITIALIZED, Role.PRIMARY),
                Arguments.of(Role.UNINITIALIZED, Role.DEMOTING),
                Arguments.of(Role.PRIMARY, Role.REPLICA),           // must demote first
                Arguments.of(Role.PRIMARY, Role.CANDIDATE),
                Arguments.of(Role.PRIMARY, Role.UNINITIALIZED),
                Arguments.of(Role.PRIMARY, Role.STANDBY_LEADER),    // hapg never demotes a primary into one
                Arguments.of(Role.STANDBY_LEADER, Role.PRIMARY),    // promotes as a candidate first
                Arguments.of(Role.DEMOTING, Role.CANDIDATE),
                Arguments.of(Role.PRIMARY, Role.UNKNOWN),
                Arguments.of(Role.REPLICA, Role.UNKNOWN));
    }

    @ParameterizedTest(name = "{0} -> {1} is legal")
    @MethodSource("legal")
    void legalTransitionsPass(Role from, Role to) {
        assertThat(RoleTransitions.isLegal(from, to)).isTrue();
        assertThat(RoleTransitions.check(from, to)).isEqualTo(to);
    }

    @ParameterizedTest(name = "{0} -> {1} is illegal")
    @MethodSource("illegal")
    void illegalTransitionsThrow(Role from, Role to) {
        assertThat(RoleTransitions.isLegal(from, to)).isFalse();
        assertThatThrownBy(() -> RoleTransitions.check(from, to))
                .isInstanceOf(IllegalStateTransitionException.class)
                .hasMessage("illegal role transition " + from + " -> " + to);
    }

    @ParameterizedTest(name = "UNKNOWN -> {0}")
    @EnumSource(Role.class)
    void unknownMayBecomeAnyRole(Role to) {
        assertThat(RoleTransitions.isLegal(Role.UNKNOWN, to)).isTrue();
    }

    @ParameterizedTest(name = "{0} -> {0}")
    @EnumSource(Role.class)
    void stayingInTheSameRoleIsAlwaysLegal(Role role) {
        assertThat(RoleTransitions.check(role, role)).isEqualTo(role);
    }

    @Test
    void pathFromPrimaryToReplicaGoesThroughDemoting() {
        assertThat(RoleTransitions.path(Role.PRIMARY, Role.REPLICA)).containsExactly(Role.DEMOTING, Role.REPLICA);
    }

    @Test
    void pathFromReplicaToPrimaryGoesThroughCandidate() {
        assertThat(RoleTransitions.path(Role.REPLICA, Role.PRIMARY)).containsExactly(Role.CANDIDATE, Role.PRIMARY);
    }

    @Test
    void pathFromPrimaryToUninitializedGoesThroughDemoting() {
        assertThat(RoleTransitions.path(Role.PRIMARY, Role.UNINITIALIZED))
                .containsExactly(Role.DEMOTING, Role.UNINITIALIZED);
    }

    @Test
    void aCandidateThatLosesTheKeyIsDemotedDirectlyNeverThroughPrimary() {
        assertThat(RoleTransitions.path(Role.CANDIDATE, Role.DEMOTING)).containsExactly(Role.DEMOTING);
    }

    @Test
    void aLegalChangeIsItsOwnPath() {
        assertThat(RoleTransitions.path(Role.DEMOTING, Role.PRIMARY)).containsExactly(Role.PRIMARY);
    }

    /** Regression: path() used to search the graph, so every role reached every other one. */
    @ParameterizedTest(name = "no path {0} -> {1}")
    @MethodSource("unreachable")
    void pathRefusesWhatTheTableDoesNotAllow(Role from, Role to) {
        assertThatThrownBy(() -> RoleTransitions.path(from, to))
                .isInstanceOf(IllegalStateTransitionException.class)
                .hasMessage("illegal role transition " + from + " -> " + to);
    }

    static Stream<Arguments> unreachable() {
        return Stream.of(
                Arguments.of(Role.PRIMARY, Role.CANDIDATE),
                Arguments.of(Role.DEMOTING, Role.CANDIDATE),
                Arguments.of(Role.UNINITIALIZED, Role.PRIMARY),
                Arguments.of(Role.UNINITIALIZED, Role.DEMOTING),
                Arguments.of(Role.CANDIDATE, Role.UNKNOWN));
    }

    @Test
    void pathToTheSameRoleIsEmpty() {
        assertThat(RoleTransitions.path(Role.REPLICA, Role.REPLICA)).isEmpty();
    }

    @Test
    void noPathLeadsBackToUnknown() {
        assertThatThrownBy(() -> RoleTransitions.path(Role.PRIMARY, Role.UNKNOWN))
                .isInstanceOf(IllegalStateTransitionException.class);
    }

    @Test
    void theTableCoversExactlyTheListedPairs() {
        long legalPairs = Stream.of(Role.values())
                .flatMap(from -> Stream.of(Role.values()).filter(to -> from != to && from != Role.UNKNOWN
                        && RoleTransitions.isLegal(from, to)))
                .count();
        assertThat(legalPairs).isEqualTo(legal().count());
    }
}
