package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.execute;
import static io.hapg.postgres.TestNodes.member;

import io.hapg.process.OsUser;
import io.hapg.core.spi.DatabaseNode.StopMode;
import java.util.List;
import java.util.Set;

/**
 * Bootstrap, clone, promote, rewind: the node's whole life in one run, as a {@code main} so that
 * {@link RunsAsANormalUserIT} can run it in a JVM that is not root (where no {@code setpriv} is
 * involved and no {@code osUser} may be configured).
 */
public final class NormalUserScenario {
    static final String PASSED = "NORMAL-USER SCENARIO PASSED";

    private NormalUserScenario() {
    }

    public static void main(String[] args) {
        TestNodes nodes = new TestNodes();
        try {
            PostgresNode n1 = nodes.node("n1");
            PostgresNode n2 = nodes.node("n2");
            n1.bootstrap();
            n1.ensureSlots(Set.of("n1", "n2"));
            n2.cloneFrom(member(n1));
            execute(n1, "CREATE TABLE t (v text); INSERT INTO t VALUES ('common')");
            awaitCaughtUp(n2, n1);
            n2.promote();
            execute(n1, "INSERT INTO t VALUES ('only on n1')");
            execute(n2, "INSERT INTO t VALUES ('only on n2')");
            n1.stop(StopMode.FAST);
            n1.rewind(member(n2));
            execute(n2, "INSERT INTO t VALUES ('after rewind')");
            awaitCaughtUp(n1, n2);
            List<String> rows = RewindIT.rows(n1);
            if (!rows.equals(List.of("after rewind", "common", "only on n2"))) {
                throw new AssertionError("unexpected rows on the rewound node: " + rows);
            }
            System.out.println(PASSED + " as " + OsUser.current());
        } catch (RuntimeException | AssertionError e) {
            System.out.println("scenario failed: " + e + "\n" + nodes.logs());
            throw e;
        } finally {
            nodes.close();
            nodes.delete();
        }
    }
}
