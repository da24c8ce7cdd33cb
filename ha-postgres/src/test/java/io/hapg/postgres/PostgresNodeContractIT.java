package io.hapg.postgres;

import io.hapg.core.model.Member;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.testing.DatabaseNodeContract;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ha-core's {@link DatabaseNodeContract} against real PostgreSQL. */
@Timeout(120)
class PostgresNodeContractIT extends DatabaseNodeContract {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private TestNodes nodes;

    @BeforeEach
    void createNodes() {
        nodes = logs.watch(new TestNodes());
    }

    /** Runs before the contract's own cleanup, which then finds the servers stopped. */
    @AfterEach
    void killNodes() {
        nodes.close();
    }

    @Override
    protected DatabaseNode newNode(String name) {
        return nodes.node(name);
    }

    @Override
    protected Member memberOf(DatabaseNode node) {
        return TestNodes.member(node);
    }

    @Override
    protected void writeSomething(DatabaseNode primary) {
        TestNodes.execute(primary, "CREATE TABLE IF NOT EXISTS contract_writes (v bigint);"
                + " INSERT INTO contract_writes SELECT g FROM generate_series(1, 100) g");
    }

    @Override
    protected Set<String> slotsOf(DatabaseNode node) {
        Set<String> slots = new HashSet<>();
        for (List<String> row : TestNodes.query(node,
                "SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'physical'")) {
            slots.add(row.get(0));
        }
        return slots;
    }
}
