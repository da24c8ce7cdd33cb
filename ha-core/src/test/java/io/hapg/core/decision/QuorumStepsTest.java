package io.hapg.core.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.decision.QuorumStep.Kind;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Quorum commit's ordered plan, on the cases of Patroni's own {@code tests/test_quorum.py}
 * (Patroni 4). Members are one letter each, as there: {@code "bcd"} is {b, c, d}. Every case also
 * checks, as Patroni's harness does, that the plan resumed after its first step (the loop stopped
 * there) yields the rest; and, beyond Patroni's, that the invariant holds after every step. Patroni
 * compares names case-insensitively; hapg compares them exactly (as in synchronous mode), so its
 * mixed-case case is taken in lower case.
 */
class QuorumStepsTest {

    @Test
    void oneNodeClusterGrows() {
        plan("a", 0, "", 0, "", 0, "b", 2, "a", "sync a 1 b", "restart a 0 ");
        plan("a", 0, "", 1, "b", 1, "b", 2, "a", "quorum a 0 b");
        plan("a", 0, "", 0, "", 0, "bcde", 2, "a", "sync a 2 bcde", "restart a 0 ");
        plan("a", 0, "", 2, "bcde", 1, "bcde", 2, "a", "quorum a 3 bcde");
    }

    @Test
    void twoNodeCluster() {
        plan("a", 0, "b", 1, "b", 1, "b", 2, "a");
        // Add a node by raising the quorum.
        plan("a", 0, "b", 1, "b", 1, "bc", 1, "a", "quorum a 1 bc", "sync a 1 bc");
        // Add a node by raising the replication factor, then lower the quorum once it caught up.
        plan("a", 0, "b", 1, "b", 1, "bc", 2, "a", "sync a 2 bc", "quorum a 1 bc");
        plan("a", 1, "bc", 2, "bc", 2, "bc", 2, "a", "quorum a 0 bc");
        // Add several nodes raising both.
        plan("a", 0, "b", 1, "b", 1, "bcde", 2, "a", "sync a 2 bc", "quorum a 3 bcde", "sync a 2 bcde");
        plan("a", 3, "bcde", 2, "bcde", 3, "bcde", 2, "a", "quorum a 2 bcde");
        // The primary alone.
        plan("a", 0, "b", 1, "b", 0, "", 1, "a", "quorum a 0 ", "sync a 0 ");
        // Swap the synchronous standby, publish the new one once it confirmed.
        plan("a", 0, "b", 1, "b", 0, "c", 1, "a", "quorum a 0 ", "sync a 1 c", "restart a 0 ");
        plan("a", 0, "", 1, "c", 1, "c", 1, "a", "quorum a 0 c");
        // Of two synchronous, c stopped streaming (or was tagged nosync): it leaves, or d takes its place.
        plan("a", 0, "bc", 2, "bc", 1, "b", 2, "a", "quorum a 0 b", "sync a 1 b");
        plan("a", 0, "bc", 2, "bc", 1, "bd", 2, "a", "quorum a 0 b", "sync a 2 bd", "quorum a 1 bd");
    }

    @Test
    void interruptedGrowthToThreeFullySynchronous() {
        plan("a", 0, "b", 2, "bc", 1, "b", 2, "a", "sync a 1 b");
        plan("a", 0, "b", 2, "bc", 1, "bc", 2, "a", "quorum a 1 bc");
        plan("a", 0, "b", 2, "bc", 1, "bcd", 2, "a", "quorum a 2 bcd", "sync a 2 bcd");
        plan("a", 2, "bcd", 2, "bcd", 3, "bcd", 2, "a", "quorum a 1 bcd");
        plan("a", 0, "b", 2, "bc", 1, "bc", 1, "a", "quorum a 1 bc", "sync a 1 bc");
    }

    @Test
    void interruptedGrowthToThreeWithReplicationFactorTwo() {
        plan("a", 1, "bc", 1, "b", 1, "b", 1, "a", "quorum a 0 b");
        plan("a", 1, "bc", 1, "b", 1, "bc", 1, "a", "sync a 1 bc");
        plan("a", 1, "bc", 1, "b", 1, "bcd", 1, "a", "sync a 1 bc", "quorum a 2 bcd", "sync a 1 bcd");
        plan("a", 1, "bc", 1, "b", 1, "bc", 2, "a", "sync a 2 bc");
        plan("a", 1, "bc", 2, "bc", 2, "bc", 2, "a", "quorum a 0 bc");
    }

    @Test
    void fiveStandbysShrinkGrowAndChangeFactor() {
        plan("a", 2, "bcde", 2, "bcde", 2, "bc", 2, "a", "sync a 2 bc", "quorum a 0 bc");
        plan("a", 2, "bcde", 2, "bcde", 3, "bcd", 2, "a", "sync a 2 bcd", "quorum a 1 bcd");
        plan("a", 2, "bcde", 2, "bcde", 2, "bc", 1, "a", "sync a 2 bc", "quorum a 1 bc", "sync a 1 bc");
        plan("a", 1, "bcde", 3, "bcde", 2, "bc", 1, "a", "sync a 3 bcd", "quorum a 1 bc", "sync a 1 bc");
        plan("a", 2, "bcde", 2, "bcde", 2, "bcde", 3, "a", "sync a 3 bcde");
        plan("a", 2, "bcde", 3, "bcde", 3, "bcde", 3, "a", "quorum a 1 bcde");
        // One more node and a lower factor: the quorum rises by two, then the factor drops.
        plan("a", 2, "bcde", 2, "bcde", 2, "bcdef", 1, "a", "quorum a 4 bcdef", "sync a 1 bcdef");
        // One node less and a higher factor.
        plan("a", 2, "bcde", 2, "bcde", 2, "bcd", 3, "a", "sync a 3 bcd", "quorum a 1 bcd");
    }

    @Test
    void promotedVoterTakesTheKeyAndTheOldLeaderBecomesAVoter() {
        // a primary with ANY 1 (b c d); a fails, c wins with quorum votes and promotes.
        plan("a", 2, "bcd", 0, "", 0, "", 1, "c", "sync a 1 abd", "quorum c 2 abd");
        // Next loop: b reconnected.
        plan("c", 2, "abd", 1, "abd", 0, "b", 1, "c", "sync c 1 b", "quorum c 0 b");
        // Or nobody did.
        plan("c", 2, "abd", 1, "abd", 0, "", 1, "c", "quorum c 0 ", "sync c 0 ");
    }

    @Test
    void promotedNonVoterTakesTheKey() {
        // a primary with ANY 1 (b c); a fails, d sees b and c and wins.
        plan("a", 1, "bc", 0, "", 0, "", 1, "d", "sync a 2 abc", "quorum d 1 abc");
        plan("d", 1, "abc", 2, "abc", 0, "bc", 1, "d", "sync d 2 bc", "quorum d 1 bc", "sync d 1 bc");
        plan("d", 1, "abc", 2, "abc", 0, "", 1, "d", "quorum d 0 ", "sync d 0 ");
    }

    @Test
    void promotionWithAnEmptySetting() {
        plan("a", 1, "bc", 1, "", 0, "", 1, "c", "sync a 1 ab", "quorum c 1 ab");
        plan("c", 1, "ab", 1, "ab", 0, "b", 1, "c", "sync c 1 b", "quorum c 0 b");
    }

    @Test
    void brokenStatesAreRepairedByTheKeyFirst() {
        // Quorum 0 of b, c with ANY 1: a commit on b alone and a race won by c would lose it.
        assertThat(QuorumSteps.check("a", 0, set("bc"), 1, set("bc"), "a")).isPresent();
        assertThat(steps("a", 0, "bc", 1, "bc", 1, "bc", 1, "a")).containsExactly("quorum a 1 bc");
        // Key and setting name different standbys: somebody else edited one of them.
        assertThat(QuorumSteps.check("a", 1, set("bc"), 2, set("bd"), "a")).isPresent();
        assertThat(steps("a", 1, "bc", 2, "bd", 1, "bd", 1, "a")).containsExactly("quorum a 1 bd", "sync a 1 bd");
    }

    @Test
    void highFactorWithLowQuorumIsLoweredSafely() {
        plan("a", 2, "bcdef", 4, "bcdef", 3, "bcdef", 2, "a", "quorum a 3 bcdef", "sync a 2 bcdef");
    }

    @Test
    void nodesRemovedWhileTheFactorDrops() {
        plan("a", 1, "bcdef", 4, "bcdef", 2, "bcd", 2, "a", "sync a 4 bcde", "quorum a 1 bcd", "sync a 2 bcd");
        // Interrupted there, and g joined.
        plan("a", 1, "bcdef", 4, "bcde", 2, "bcdg", 2, "a",
                "quorum a 1 bcd", "sync a 3 bcd", "quorum a 2 bcdg", "sync a 2 bcdg");
        // f came back.
        plan("a", 1, "bcdef", 4, "bcde", 2, "bcdf", 2, "a", "sync a 4 bcdf", "quorum a 2 bcdf", "sync a 2 bcdf");
        // e came back.
        plan("a", 1, "bcdef", 4, "bcde", 2, "bcde", 2, "a", "quorum a 2 bcde", "sync a 2 bcde");
        // b is lost too.
        plan("a", 1, "bcdef", 4, "bcde", 2, "cd", 1, "a", "quorum a 1 cd", "sync a 1 cd");
    }

    // ---- harness ----

    /**
     * Plans from the given state and expects {@code expected}; then resumes after the first step,
     * as an interrupted loop would, and expects the rest (Patroni's check_state_transitions).
     */
    private static void plan(String leader, int quorum, String voters, int numsync, String sync, int confirmed,
                             String active, int wanted, String leaderWanted, String... expected) {
        QuorumSteps.Input in = new QuorumSteps.Input(leader, quorum, set(voters), numsync, set(sync), confirmed,
                set(active), wanted, leaderWanted);
        List<QuorumStep> result = QuorumSteps.plan(in);
        assertThat(result.stream().map(QuorumStepsTest::text)).as("plan from %s", in).containsExactly(expected);
        assertInvariantAfterEachStep(in, result);
        if (!result.isEmpty() && result.get(0).kind() != Kind.RESTART && result.get(0).leader().equals(leader)) {
            QuorumStep first = result.get(0);
            String[] rest = Arrays.copyOfRange(expected, 1, expected.length);
            if (first.kind() == Kind.SYNC) {
                plan(leader, quorum, voters, first.num(), letters(first.names()), confirmed, active, wanted,
                        leaderWanted, rest);
            } else {
                plan(first.leader(), first.num(), letters(first.names()), numsync, sync, confirmed, active, wanted,
                        leaderWanted, rest);
            }
        }
    }

    private static List<String> steps(String leader, int quorum, String voters, int numsync, String sync,
                                      int confirmed, String active, int wanted, String leaderWanted) {
        return QuorumSteps.plan(new QuorumSteps.Input(leader, quorum, set(voters), numsync, set(sync), confirmed,
                set(active), wanted, leaderWanted)).stream().map(QuorumStepsTest::text).collect(Collectors.toList());
    }

    /** Replays the plan: after every step the key and the setting must overlap as the invariant says. */
    private static void assertInvariantAfterEachStep(QuorumSteps.Input in, List<QuorumStep> plan) {
        String leader = in.leader();
        int quorum = in.quorum();
        Set<String> voters = in.voters();
        int numsync = in.numsync();
        Set<String> sync = in.sync();
        for (QuorumStep step : plan) {
            if (step.kind() == Kind.SYNC) {
                numsync = step.num();
                sync = step.names();
            } else if (step.kind() == Kind.QUORUM) {
                leader = step.leader();
                quorum = step.num();
                voters = step.names();
            }
            assertThat(QuorumSteps.check(leader, quorum, voters, Math.min(numsync, sync.size()), sync,
                    in.leaderWanted())).as("invariant after %s", step).isEmpty();
        }
    }

    private static String text(QuorumStep s) {
        return s.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + s.leader() + " " + s.num() + " "
                + letters(s.names());
    }

    private static String letters(Set<String> names) {
        return String.join("", new TreeSet<>(names));
    }

    private static Set<String> set(String letters) {
        return letters.chars().mapToObj(c -> String.valueOf((char) c)).collect(Collectors.toCollection(TreeSet::new));
    }
}
