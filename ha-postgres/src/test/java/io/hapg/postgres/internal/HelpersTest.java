package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.Lsn;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parsers and formatters of the PostgreSQL adapter. */
class HelpersTest {
    @Test
    void synchronousStandbyNamesRoundTrip() {
        assertThat(SyncNames.format(List.of("n1", "n2"), false)).isEqualTo("FIRST 2 (\"n1\", \"n2\")");
        assertThat(SyncNames.format(List.of(), false)).isEmpty();
        assertThat(SyncNames.format(List.of(), true)).contains(SyncNames.STRICT_PLACEHOLDER);
        List<String> odd = List.of("Pg-1", "a,b", "quote\"d");
        assertThat(SyncNames.parse(SyncNames.format(odd, true))).isEqualTo(odd);
        assertThat(SyncNames.parse(SyncNames.format(List.of(), true))).isEmpty();
    }

    @Test
    void synchronousStandbyNamesInEveryPostgresSyntax() {
        assertThat(SyncNames.parse("ANY 2 (s1, s2, s3)")).containsExactly("s1", "s2", "s3");
        assertThat(SyncNames.parse("2(s1,s2)")).containsExactly("s1", "s2");
        assertThat(SyncNames.parse("s1, s2")).containsExactly("s1", "s2");
        assertThat(SyncNames.parse("first 1 (\"s 1\")")).containsExactly("s 1");
        assertThat(SyncNames.parse("*")).isEmpty();
        assertThat(SyncNames.parse("")).isEmpty();
    }

    @Test
    void slotNamesFollowPatroni() {
        assertThat(Slots.slotName("Pg-Node.1")).isEqualTo("pg_node_1");
        // Patroni 3.0.2's slot_name_from_member_name: other characters as u + code point, four decimal digits.
        assertThat(Slots.slotName("db:1")).isEqualTo("dbu00581");
        assertThat(Slots.slotName("db 1@x")).isEqualTo("dbu00321u0064x");
        assertThat(Slots.slotName("nœud")).isEqualTo("nu0339ud");
        assertThat(Slots.slotName("a\uD83D\uDE00")).as("a code point above 9999").isEqualTo("au128512");
        assertThat(Slots.slotName("x".repeat(70))).hasSize(63);
    }

    @Test
    void conninfoQuotesValuesAndUrlsParse() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("host", "h");
        params.put("application_name", "it's \\ me");
        assertThat(Conninfo.format(params)).isEqualTo("host='h' application_name='it\\'s \\\\ me'");
        assertThat(Conninfo.endpoint("postgres://10.0.0.5:6432/postgres")).isEqualTo(new Conninfo.Endpoint("10.0.0.5", 6432));
        assertThat(Conninfo.endpoint("postgresql://u:p@db/postgres?sslmode=require"))
                .isEqualTo(new Conninfo.Endpoint("db", 5432));
        assertThat(Conninfo.endpoint("postgres://[::1]:5433/postgres")).isEqualTo(new Conninfo.Endpoint("::1", 5433));
        assertThatThrownBy(() -> Conninfo.endpoint("http://x:1/")).hasMessageContaining("http://x:1/");
        assertThatThrownBy(() -> Conninfo.endpoint("")).isInstanceOf(IllegalArgumentException.class);
        // Patroni's format_dsn: no quotes, a backslash before each space, quote and backslash.
        assertThat(Conninfo.patroniDsn("my user", "db's\\host", 5433))
                .isEqualTo("dbname=postgres user=my\\ user host=db\\'s\\\\host port=5433");
    }

    @Test
    void controlDataOfAStoppedPrimaryAndOfACrashedOne() {
        ControlData clean = ControlData.parse("pg_control version number:            1300\n"
                + "Database system identifier:           7712249485406178469\n"
                + "Database cluster state:               shut down\n"
                + "Latest checkpoint location:           0/1500718\n"
                + "Latest checkpoint's TimeLineID:       3\n"
                + "Min recovery ending loc's timeline:   0\n");
        assertThat(clean.systemIdentifier()).hasValue("7712249485406178469");
        assertThat(clean.cleanShutdown()).isTrue();
        assertThat(clean.checkpointLsn()).hasValue(Lsn.parse("0/1500718"));
        assertThat(clean.timeline()).isEqualTo(3);
        ControlData crashed = ControlData.parse("Database cluster state:               in production\n");
        assertThat(crashed.cleanShutdown()).isFalse();
        assertThat(ControlData.parse("Database cluster state: shut down in recovery").cleanShutdown()).isTrue();
    }

    @Test
    void controlDataOfACrashedReplicaGivesItsMinimumRecoveryPoint() {
        ControlData replica = ControlData.parse("Database cluster state:               in archive recovery\n"
                + "Latest checkpoint location:           0/6E9BDD0\n"
                + "Latest checkpoint's TimeLineID:       35\n"
                + "Minimum recovery ending location:     0/6FE6398\n"
                + "Min recovery ending loc's timeline:   36\n");
        assertThat(replica.crashedInRecovery()).isTrue();
        assertThat(replica.cleanShutdown()).isFalse();
        assertThat(replica.minRecoveryLsn()).hasValue(Lsn.parse("0/6FE6398"));
        assertThat(replica.timeline()).isEqualTo(36);
        ControlData promoting = ControlData.parse("Database cluster state:               in archive recovery\n"
                + "Minimum recovery ending location:     0/0\n");
        assertThat(promoting.crashedInRecovery()).as("a zero point: a primary crashed while promoted").isFalse();
        assertThat(ControlData.parse("Database cluster state: in production").crashedInRecovery()).isFalse();
    }
}
