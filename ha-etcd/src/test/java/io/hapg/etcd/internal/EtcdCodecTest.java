package io.hapg.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.Tags;
import io.hapg.core.spi.ClusterKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The values hapg writes are byte-for-byte what Patroni's etcd3 backend writes, and read back. */
class EtcdCodecTest {
    private final EtcdCodec codec = new EtcdCodec("test/n0");

    @Test
    void memberIsPatroniJsonWithIntegerLsns() {
        Member m = new Member("n1", "postgres://10.0.0.2:5432/postgres", "http://10.0.0.2:8008/patroni", "replica",
                "running", Optional.of(Lsn.parse("0/5000060")), Optional.of(Lsn.parse("0/5000060")),
                Optional.of(Lsn.parse("0/5000000")), 2, Optional.of("streaming"), Tags.of(Map.of("nofailover", true)),
                "0.1.0");
        String json = codec.encodeMember(m);
        assertThat(json).isEqualTo("{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\","
                + "\"api_url\":\"http://10.0.0.2:8008/patroni\",\"state\":\"running\",\"role\":\"replica\","
                + "\"version\":\"0.1.0\",\"xlog_location\":83886176,\"timeline\":2,\"replication_state\":\"streaming\","
                + "\"receive_lsn\":83886176,\"replay_lsn\":83886080,\"tags\":{\"nofailover\":true}}");
        assertThat(view(new RawKv("members/n1", json, 5, 5, 7)).members().get("n1")).isEqualTo(m);

        Member pending = new Member("n2", "", "", "primary", "running", Optional.empty(), Optional.empty(),
                Optional.empty(), 3, Optional.empty(), Tags.NONE, "0.1.0", true);
        String pendingJson = codec.encodeMember(pending);
        assertThat(pendingJson).endsWith(",\"timeline\":3,\"pending_restart\":true}");
        assertThat(view(new RawKv("members/n2", pendingJson, 5, 5, 7)).members().get("n2")).isEqualTo(pending);
    }

    /** Patroni's scheduled_restart: written as Patroni copies the request, read back; a bad schedule reads as none. */
    @Test
    void aScheduledRestartIsPublishedAsPatroniPublishesIt() {
        Member scheduled = new Member("n1", "", "", "replica", "running", Optional.empty(), Optional.empty(),
                Optional.empty(), 2, Optional.empty(), Tags.NONE, "0.1.0", false,
                Optional.of(new Member.ScheduledRestart(java.time.Instant.parse("2026-12-03T16:00:00Z"), Optional.empty(),
                        Optional.of("170000"))));
        String json = codec.encodeMember(scheduled);
        assertThat(json).endsWith(",\"timeline\":2,\"scheduled_restart\":{\"schedule\":\"2026-12-03T16:00:00+00:00\","
                + "\"postgres_version\":\"170000\"}}");
        Member read = view(new RawKv("members/n1", json, 5, 5, 7)).members().get("n1");
        assertThat(read).isEqualTo(scheduled);
        assertThat(read.scheduledRestart().orElseThrow().describe()).isEqualTo("2026-12-03T16:00:00+00:00 if version < 170000");

        String patroni = "{\"conn_url\":\"\",\"api_url\":\"\",\"state\":\"running\",\"role\":\"replica\","
                + "\"scheduled_restart\":{\"schedule\":\"2026-12-03T17:00:00+01:00\",\"role\":\"replica\"}}";
        assertThat(view(new RawKv("members/n2", patroni, 5, 5, 7)).members().get("n2").scheduledRestart())
                .contains(new Member.ScheduledRestart(java.time.Instant.parse("2026-12-03T16:00:00Z"),
                        Optional.of("replica"), Optional.empty()));
        String garbled = patroni.replace("2026-12-03T17:00:00+01:00", "tomorrow");
        assertThat(view(new RawKv("members/n2", garbled, 5, 5, 7)).members().get("n2").scheduledRestart()).isEmpty();
    }

    @Test
    void clusterKeysAreWrittenAsPatroniWritesThem() {
        assertThat(codec.encode(ClusterKey.SYNC, new SyncState(Optional.of("n0"), List.of("n1", "n2"), 0)))
                .isEqualTo("{\"leader\":\"n0\",\"sync_standby\":\"n1,n2\"}");
        assertThat(codec.encode(ClusterKey.SYNC, new SyncState(Optional.of("n0"), List.of(), 0)))
                .isEqualTo("{\"leader\":\"n0\",\"sync_standby\":null}");
        // Patroni 4's quorum commit key, in the order its sync_state() builds it.
        assertThat(codec.encode(ClusterKey.SYNC, new SyncState(Optional.of("n0"), List.of("n2", "n1"), 1, 0)))
                .isEqualTo("{\"leader\":\"n0\",\"quorum\":1,\"sync_standby\":\"n1,n2\"}");
        assertThat(codec.encode(ClusterKey.FAILOVER, new FailoverRequest(Optional.of("n0"), Optional.of("n1"),
                Optional.of(Instant.parse("2030-01-02T03:04:05Z")), 0)))
                .isEqualTo("{\"leader\":\"n0\",\"member\":\"n1\",\"scheduled_at\":\"2030-01-02T03:04:05+00:00\"}");
        // Patroni's sync_state() sorts the names.
        assertThat(codec.encode(ClusterKey.SYNC, new SyncState(Optional.of("n0"), List.of("n2", "n1"), 0)))
                .isEqualTo("{\"leader\":\"n0\",\"sync_standby\":\"n1,n2\"}");
        assertThat(codec.encode(ClusterKey.HISTORY, List.of(new HistoryEntry(1, Lsn.parse("0/3000060"),
                "no recovery target specified", Optional.of("2024-01-01T00:00:00+00:00"), Optional.of("n1")),
                new HistoryEntry(2, Lsn.parse("0/5000000"), "", Optional.empty(), Optional.empty()))))
                .isEqualTo("[[1,50331744,\"no recovery target specified\",\"2024-01-01T00:00:00+00:00\",\"n1\"],"
                        + "[2,83886080,\"\"]]");
        assertThat(codec.encodeStatus(new ClusterStatus(Optional.of(Lsn.parse("0/5000000")),
                Map.of("n1", Lsn.parse("0/4000000")))))
                .isEqualTo("{\"optime\":83886080,\"slots\":{\"n1\":67108864}}");
        assertThat(codec.encodeStatus(new ClusterStatus(Optional.of(Lsn.of(5)), Map.of()))).isEqualTo("{\"optime\":5}");
        assertThat(codec.encode(ClusterKey.INITIALIZE, "7300000000000000001")).isEqualTo("7300000000000000001");
        assertThat(codec.encode(ClusterKey.FAILSAFE, Map.of("n1", "http://b", "n0", "http://a")))
                .isEqualTo("{\"n0\":\"http://a\",\"n1\":\"http://b\"}");
    }

    @Test
    void configKeepsUnknownKeysAndWritesTypedFieldsThatDisagreeWithRaw() {
        DynamicConfig fromYaml = DynamicConfig.fromMap(Map.of("ttl", 20, "custom", "kept"));
        assertThat(codec.encode(ClusterKey.CONFIG, fromYaml)).contains("\"custom\":\"kept\"").contains("\"ttl\":20")
                .doesNotContain("loop_wait");
        DynamicConfig built = new DynamicConfig(Duration.ofSeconds(40), Duration.ofSeconds(10), Duration.ofSeconds(10),
                1048576, Duration.ofSeconds(300), Duration.ZERO, true, false, 1, false, false, false, true, true, Map.of());
        ClusterView view = view(new RawKv("config", codec.encode(ClusterKey.CONFIG, built), 3, 3, 0));
        assertThat(view.config().get().ttl()).isEqualTo(Duration.ofSeconds(40));
        assertThat(view.config().get().synchronousMode()).isTrue();
        assertThat(view.configRevision()).isEqualTo(3);
    }

    @Test
    void aConfigWithAKeyHapgRefusesIsUnreadableNotSilentlyIgnored() {
        // The agent keeps its last good configuration and warns (LastGoodConfig); it never runs with
        // a pg_hosts it would ignore, nor with a slots entry it cannot read.
        ClusterView view = view(new RawKv("config", "{\"ttl\":30,\"postgresql\":{\"pg_hosts\":[\"x\"]}}", 3, 3, 0));
        assertThat(view.config()).isEmpty();
        assertThat(view.configUnreadable()).isTrue();
        assertThat(view(new RawKv("config", "{\"slots\":{\"cdc\":{\"type\":\"logical\"}}}", 3, 3, 0))
                .configUnreadable()).isTrue();
        assertThat(view(new RawKv("config", "{\"ignore_slots\":[{\"name\":\"barman\"}]}", 3, 3, 0)).config()
                .get().ignoreSlots()).hasSize(1);
        assertThat(view(new RawKv("config", "{\"ttl\":30,\"master_start_timeout\":0}", 3, 3, 0)).config()
                .get().primaryStartTimeout()).isZero();
    }

    /** Patroni 4's retain_slots (Status.from_node): written sorted, read from a list or its JSON text. */
    @Test
    void statusCarriesRetainSlotsBothWays() {
        ClusterStatus status = new ClusterStatus(Optional.of(Lsn.of(5)), Map.of(), List.of("n2", "n0"));
        String json = codec.encodeStatus(status);
        assertThat(json).isEqualTo("{\"optime\":5,\"retain_slots\":[\"n0\",\"n2\"]}");
        assertThat(view(new RawKv("status", json, 3, 3, 0)).status().retainSlots()).containsExactly("n0", "n2");
        String patroni = "{\"optime\":83886080,\"slots\":{\"n1\":67108864},\"retain_slots\":[\"n1\",\"n2\"],"
                + "\"later\":true}";
        ClusterStatus read = view(new RawKv("status", patroni, 3, 3, 0)).status();
        assertThat(read.optime()).contains(Lsn.of(83886080));
        assertThat(read.slots()).containsOnlyKeys("n1");
        assertThat(read.retainSlots()).containsExactly("n1", "n2");
        assertThat(view(new RawKv("status", "{\"optime\":5,\"retain_slots\":\"[\\\"n1\\\"]\"}", 3, 3, 0))
                .status().retainSlots()).as("a JSON text of a list, as Patroni accepts").containsExactly("n1");
        for (String garbled : List.of("\"n1\"", "{}", "[1,null,\"n3\"]", "\"[\"")) {
            ClusterStatus g = view(new RawKv("status", "{\"optime\":5,\"retain_slots\":" + garbled + "}", 3, 3, 0))
                    .status();
            assertThat(g.optime()).as(garbled).contains(Lsn.of(5));
            assertThat(g.retainSlots()).as(garbled).isEqualTo(garbled.startsWith("[") ? List.of("n3") : List.of());
        }
        assertThat(codec.encodeStatus(new ClusterStatus(Optional.of(Lsn.of(5)), Map.of(), List.of())))
                .as("an old reader sees what it always saw").isEqualTo("{\"optime\":5}");
    }

    @Test
    void readsWhatPatroniWrites() {
        ClusterView v = view(
                new RawKv("leader", "n0", 10, 12, 99),
                new RawKv("initialize", "7300000000000000001", 2, 2, 0),
                new RawKv("sync", "{\"leader\":\"n0\",\"sync_standby\":\"n2, n1\",\"quorum\":1}", 4, 8, 0),
                new RawKv("failover", "{\"member\":\"n1\",\"scheduled_at\":\"2016-01-14T10:09:57.1394+00:00\"}", 5, 9, 0),
                new RawKv("history", "[[1,25165984,\"no recovery target specified\"]]", 6, 6, 0),
                new RawKv("optime/leader", "1234", 7, 7, 0),
                new RawKv("members/n0", "{\"conn_url\":\"postgres://a\",\"api_url\":\"http://a\",\"role\":\"master\","
                        + "\"state\":\"running\",\"xlog_location\":100,\"pending_restart\":true}", 3, 11, 99),
                new RawKv("members/n0/extra", "{}", 3, 3, 0));
        assertThat(v.revision()).isEqualTo(20);
        assertThat(v.leader().get().name()).isEqualTo("n0");
        assertThat(v.leader().get().revision()).isEqualTo(12);
        assertThat(v.initialize()).contains("7300000000000000001");
        assertThat(v.sync().syncStandbys()).containsExactly("n2", "n1");
        assertThat(v.sync().revision()).isEqualTo(8);
        assertThat(v.sync().quorum()).isEqualTo(1);
        assertThat(v.failover().get().candidate()).contains("n1");
        assertThat(v.failover().get().scheduledAt()).contains(Instant.parse("2016-01-14T10:09:57.1394Z"));
        assertThat(v.history()).singleElement().satisfies(h -> assertThat(h.lsn()).isEqualTo(Lsn.of(25165984)));
        assertThat(v.status().optime()).as("legacy optime/leader").contains(Lsn.of(1234));
        assertThat(v.members()).containsOnlyKeys("n0");
        assertThat(v.leaderMember().get().isPrimaryRole()).isTrue();
    }

    @Test
    void keyLayoutNormalisesSlashesLikePatroni() {
        assertThat(new KeyLayout("/service/", "pg").prefix()).isEqualTo("/service/pg/");
        assertThat(new KeyLayout("service", "pg").prefix()).isEqualTo("/service/pg/");
        assertThat(new KeyLayout("//a//b/", "pg").key("/leader")).isEqualTo("/a/b/pg/leader");
        assertThat(KeyLayout.memberName("members/n1")).contains("n1");
        assertThat(KeyLayout.memberName("members/n1/x")).isEmpty();
        assertThat(KeyLayout.memberName("membersx")).isEmpty();
    }

    @Test
    void aFailoverKeyPatroniClearedIsNoRequest() {
        // Patroni clears the key with manual_failover('', ''): the value {} stays in etcd.
        assertThat(view(new RawKv("failover", "{}", 5, 9, 0)).failover()).isEmpty();
        assertThat(view(new RawKv("failover", "{\"leader\":\"\",\"member\":\"\"}", 5, 9, 0)).failover()).isEmpty();
        assertThat(view(new RawKv("failover", "{\"scheduled_at\":\"2030-01-02T03:04:05+00:00\"}", 5, 9, 0))
                .failover()).isEmpty();
        assertThat(view(new RawKv("failover", "{\"leader\":\"n0\"}", 5, 9, 0)).failover().get().leader())
                .contains("n0");
    }

    private ClusterView view(RawKv... kvs) {
        return codec.decodeView(20, List.of(kvs));
    }
}
