package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DynamicConfigTest {
    @Test
    void postgresqlParametersBecomeSettingStrings() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("work_mem", "8MB");
        params.put("max_connections", 200);
        params.put("hot_standby_feedback", true);
        params.put("jit", false);
        params.put("random_page_cost", 1.1);
        params.put("unset_me", null);
        DynamicConfig config = DynamicConfig.fromMap(Map.of("postgresql", Map.of("parameters", params)));
        assertThat(config.postgresqlParameters()).containsExactly(Map.entry("hot_standby_feedback", "on"),
                Map.entry("jit", "off"), Map.entry("max_connections", "200"), Map.entry("random_page_cost", "1.1"),
                Map.entry("work_mem", "8MB"));
        assertThat(DynamicConfig.fromMap(Map.of()).postgresqlParameters()).isEmpty();
        assertThat(DynamicConfig.fromMap(Map.of("postgresql", "garbage")).postgresqlParameters()).isEmpty();
    }

    @Test
    void postgresqlParametersThatCannotBeOneLineOfPostgresqlConfAreRefusedByName() {
        assertThatThrownBy(() -> parameters(Map.of("nested", Map.of("a", 1))))
                .hasMessage("postgresql.parameters.nested: expected a string, number or boolean, got {a=1}");
        assertThatThrownBy(() -> parameters(Map.of("listed", List.of(1))))
                .hasMessageStartingWith("postgresql.parameters.listed: expected a string");
        assertThatThrownBy(() -> parameters(Map.of("work_mem", "4MB\nfoo = bar")))
                .hasMessageStartingWith("postgresql.parameters.work_mem: the value must not contain line breaks");
        assertThatThrownBy(() -> parameters(Map.of("a b", "1")))
                .hasMessageStartingWith("postgresql.parameters: invalid setting name 'a b'");
        assertThat(parameters(Map.of("PORT", 5433)).postgresqlParameters()).as("managed: the HTTP API refuses it,"
                + " each node ignores it").containsEntry("PORT", "5433");
        assertThat(DynamicConfig.isManagedParameter("PORT")).isTrue();
        assertThat(DynamicConfig.isManagedParameter("Include_If_Exists")).isTrue();
        assertThat(DynamicConfig.isManagedParameter("work_mem")).isFalse();
    }

    private static DynamicConfig parameters(Map<String, Object> params) {
        return DynamicConfig.fromMap(Map.of("postgresql", Map.of("parameters", params)));
    }

    @Test
    void legacyMasterStartTimeoutIsAnAliasAndThePrimaryKeyWins() {
        assertThat(DynamicConfig.fromMap(Map.of("master_start_timeout", 0)).primaryStartTimeout()).isZero();
        assertThat(DynamicConfig.fromMap(Map.of("master_start_timeout", 0, "primary_start_timeout", 20))
                .primaryStartTimeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void pgIdentAndRecoveryConfAreReadAndBadShapesRefusedNamingTheKey() {
        Map<String, Object> recovery = new java.util.LinkedHashMap<>();
        recovery.put("restore_command", "cp /arch/%f %p");
        recovery.put("recovery_min_apply_delay", 5000);
        recovery.put("hot_standby_feedback", true);
        recovery.put("recovery_end_command", null);
        DynamicConfig c = DynamicConfig.fromMap(Map.of("postgresql", Map.of("pg_ident", List.of("m s p"),
                "recovery_conf", recovery)));
        assertThat(c.postgresqlFiles().pgIdent()).containsExactly("m s p");
        assertThat(c.postgresqlFiles().recoveryConf()).containsExactly(Map.entry("restore_command", "cp /arch/%f %p"),
                Map.entry("recovery_min_apply_delay", "5000"), Map.entry("hot_standby_feedback", "on"));
        assertThat(DynamicConfig.DEFAULTS.postgresqlFiles()).isEqualTo(ClusterPgFiles.NONE);

        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("postgresql", Map.of("pg_ident", "m s p"))))
                .hasMessage("postgresql.pg_ident: expected a list of pg_ident.conf lines, got text");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("postgresql", Map.of("pg_ident", List.of("a\nb")))))
                .hasMessageStartingWith("postgresql.pg_ident: a line must not contain line breaks");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("postgresql", Map.of("recovery_conf", "cp s3cr3t"))))
                .hasMessage("postgresql.recovery_conf: expected a mapping of recovery settings, got text");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("postgresql", Map.of("recovery_conf",
                Map.of("restore_command", List.of("cp")))))).hasMessageStartingWith("postgresql.recovery_conf"
                + ".restore_command: expected a string, number or boolean");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("postgresql", Map.of("recovery_conf",
                Map.of("restore_command", "cp\nport = 1"))))).hasMessageStartingWith("postgresql.recovery_conf"
                + ".restore_command: the value must not contain line breaks");
    }

    @Test
    void keysHapgDoesNotImplementAreRefusedUnlessTheyMeanOff() {
        assertThatThrownBy(() -> DynamicConfig.fromMap(
                Map.of("postgresql", Map.of("pg_hosts", List.of("host all all 0.0.0.0/0")))))
                .hasMessageStartingWith("postgresql.pg_hosts: not supported by hapg");
        // What hapg does anyway is accepted.
        DynamicConfig.fromMap(Map.of("member_slots_ttl", 0, "maximum_lag_on_syncnode", -1, "primary_race_backoff", 0,
                "max_timelines_history", 0, "primary_stop_timeout", 0, "slots", Map.of(), "ignore_slots", List.of(),
                "postgresql", Map.of("pg_hba", List.of("host all all 0.0.0.0/0 md5"))));
    }

    /** Patroni: global_config.primary_race_backoff is get_int('primary_race_backoff', 0), whole seconds. */
    @Test
    void primaryRaceBackoffIsWholeSecondsAndOffByDefault() {
        assertThat(DynamicConfig.DEFAULTS.primaryRaceBackoff()).isZero();
        assertThat(DynamicConfig.fromMap(Map.of("primary_race_backoff", 6)).primaryRaceBackoff()).hasSeconds(6);
        assertThat(DynamicConfig.fromMap(Map.of("primary_race_backoff", " 30 ")).primaryRaceBackoff()).hasSeconds(30);
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("primary_race_backoff", -1)))
                .hasMessage("primary_race_backoff: must be at least 0, got -1");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("primary_race_backoff", "5s")))
                .hasMessage("primary_race_backoff: expected a whole number, got '5s'");
    }

    /** Patroni 4: global_config.member_slots_ttl is parse_int(value, 's'), default 1800. */
    @Test
    void memberSlotsTtlIsReadAsPatroniDoes() {
        assertThat(DynamicConfig.DEFAULTS.memberSlotsTtl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", 0)).memberSlotsTtl()).isZero();
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", 90)).memberSlotsTtl()).hasSeconds(90);
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", "90")).memberSlotsTtl()).hasSeconds(90);
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", "30min")).memberSlotsTtl()).hasSeconds(1800);
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", " 2 h ")).memberSlotsTtl()).hasSeconds(7200);
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", "1d")).memberSlotsTtl()).hasSeconds(86400);
        assertThat(DynamicConfig.fromMap(Map.of("member_slots_ttl", "1500ms")).memberSlotsTtl()).hasSeconds(2);
        for (Object bad : List.of("30 minutes", "abc", "30MIN", true, "")) {
            assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("member_slots_ttl", bad)))
                    .hasMessageStartingWith("member_slots_ttl: expected seconds or a number with a unit");
        }
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("member_slots_ttl", -5)))
                .hasMessage("member_slots_ttl: must be at least 0, got '-5'");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("member_slots_ttl", "-1min")))
                .hasMessageStartingWith("member_slots_ttl: must be at least 0");
    }

    @Test
    void maximumLagOnSyncnodeIsReadAsPatroniDoes() {
        assertThat(DynamicConfig.DEFAULTS.maximumLagOnSyncnode()).isEqualTo(-1);
        assertThat(DynamicConfig.fromMap(Map.of("maximum_lag_on_syncnode", 1048576)).maximumLagOnSyncnode())
                .isEqualTo(1048576);
        assertThat(DynamicConfig.fromMap(Map.of("maximum_lag_on_syncnode", "0")).maximumLagOnSyncnode()).isZero();
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("maximum_lag_on_syncnode", "1MB")))
                .hasMessage("maximum_lag_on_syncnode: expected a whole number, got '1MB'");
    }

    @Test
    void permanentSlotsAreReadAsPatroniReadsThem() {
        Map<String, Object> slots = new LinkedHashMap<>();
        slots.put("plain", null);
        slots.put("typed", Map.of("type", "physical"));
        slots.put("decoded", Map.of("database", "app", "plugin", "test_decoding"));
        slots.put("explicit", Map.of("type", "logical", "database", "app", "plugin", "pgoutput"));
        DynamicConfig config = DynamicConfig.fromMap(Map.of("slots", slots));
        assertThat(config.permanentSlots()).containsExactly(
                Map.entry("plain", PermanentSlot.physical("plain")),
                Map.entry("typed", PermanentSlot.physical("typed")),
                Map.entry("decoded", PermanentSlot.logical("decoded", "app", "test_decoding")),
                Map.entry("explicit", PermanentSlot.logical("explicit", "app", "pgoutput")));
        assertThat(DynamicConfig.fromMap(Map.of("permanent_slots", Map.of("legacy", Map.of()), "slots",
                Map.of("new", Map.of()))).permanentSlots()).as("Patroni reads the legacy name first")
                .containsOnlyKeys("legacy");
        assertThat(DynamicConfig.DEFAULTS.permanentSlots()).isEmpty();
    }

    @Test
    void badPermanentSlotsAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> slots(Map.of("Bad-Name", Map.of())))
                .hasMessage("slots.Bad-Name: a slot name is 1 to 63 lower case letters, digits and _");
        assertThatThrownBy(() -> slots(Map.of("s", Map.of("type", "logical", "database", "app"))))
                .hasMessage("slots.s: a logical slot needs both database and plugin");
        assertThatThrownBy(() -> slots(Map.of("s", Map.of("type", "physical", "plugin", "pgoutput"))))
                .hasMessage("slots.s: a physical slot takes no database or plugin");
        assertThatThrownBy(() -> slots(Map.of("s", Map.of("type", "logcal"))))
                .hasMessage("slots.s.type: expected physical or logical, got 'logcal'");
        assertThatThrownBy(() -> slots(Map.of("s", Map.of("typ", "physical"))))
                .hasMessage("slots.s: unknown field typ (type, database and plugin are)");
        assertThatThrownBy(() -> slots(Map.of("s", "physical")))
                .hasMessageStartingWith("slots.s: expected {type: physical}");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("slots", List.of("s"))))
                .hasMessageStartingWith("slots: expected a mapping");
    }

    private static DynamicConfig slots(Map<String, Object> slots) {
        return DynamicConfig.fromMap(Map.of("slots", slots));
    }

    @Test
    void ignoreSlotsMatchOnTheGivenFieldsOnly() {
        DynamicConfig config = DynamicConfig.fromMap(Map.of("ignore_slots", List.of(
                Map.of("name", "barman"), Map.of("type", "logical", "plugin", "wal2json"))));
        SlotPlan plan = new SlotPlan(true, java.util.Set.of(), Map.of(), config.ignoreSlots(), Map.of());
        java.util.Optional<String> none = java.util.Optional.empty();
        assertThat(plan.ignores("barman", "physical", none, none)).isTrue();
        assertThat(plan.ignores("barman2", "physical", none, none)).isFalse();
        assertThat(plan.ignores("cdc", "logical", java.util.Optional.of("app"), java.util.Optional.of("wal2json")))
                .isTrue();
        assertThat(plan.ignores("cdc", "logical", java.util.Optional.of("app"), java.util.Optional.of("pgoutput")))
                .isFalse();
        assertThat(plan.ignores("wal2json", "physical", none, none)).isFalse();
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("ignore_slots", List.of(Map.of("nmae", "x")))))
                .hasMessage("ignore_slots[0]: unknown field nmae (name, type, database and plugin are)");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("ignore_slots", List.of(Map.of("name", "a"),
                Map.of("type", "both"))))).hasMessage("ignore_slots[1].type: expected physical or logical, got 'both'");
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("ignore_slots", Map.of("name", "x"))))
                .hasMessageStartingWith("ignore_slots: expected a list");
    }

    /** Patroni's primary_stop_timeout(): above 0 and in synchronous mode only; master_ is the legacy name. */
    @Test
    void primaryStopTimeoutBoundsADemotionInSynchronousModeOnly() {
        assertThat(DynamicConfig.DEFAULTS.primaryStopTimeout()).isZero();
        assertThat(DynamicConfig.DEFAULTS.demoteStopTimeout()).isEmpty();
        assertThat(DynamicConfig.fromMap(Map.of("primary_stop_timeout", 30)).demoteStopTimeout())
                .as("asynchronous mode: does not apply").isEmpty();
        assertThat(DynamicConfig.fromMap(Map.of("primary_stop_timeout", "30", "synchronous_mode", true))
                .demoteStopTimeout()).contains(Duration.ofSeconds(30));
        assertThat(DynamicConfig.fromMap(Map.of("master_stop_timeout", 7, "synchronous_mode", "on"))
                .demoteStopTimeout()).contains(Duration.ofSeconds(7));
        assertThat(DynamicConfig.fromMap(Map.of("master_stop_timeout", 7, "primary_stop_timeout", 3,
                "synchronous_mode", true)).demoteStopTimeout()).as("the new name wins").contains(Duration.ofSeconds(3));
        assertThat(DynamicConfig.fromMap(Map.of("primary_stop_timeout", -1, "synchronous_mode", true))
                .demoteStopTimeout()).as("negative: disabled").isEmpty();
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("primary_stop_timeout", "soon")))
                .hasMessage("primary_stop_timeout: expected a whole number, got 'soon'");
    }

    @Test
    void fastFailoverIsABooleanInForceOnlyWithSynchronousModeOn() {
        assertThat(DynamicConfig.DEFAULTS.fastFailover()).isEqualTo(FastFailover.OFF);
        assertThat(DynamicConfig.fromMap(Map.of("fast_failover", true)).fastFailover().enabled())
                .as("synchronous_mode off").isFalse();
        DynamicConfig on = DynamicConfig.fromMap(Map.of("fast_failover", "on", "synchronous_mode", true, "ttl", 30));
        assertThat(on.fastFailover()).isEqualTo(FastFailover.on(java.time.Duration.ofMillis(300),
                FastFailover.PROBE_TIMEOUT));
        assertThat(on.fastFailover().earlyAfter()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(DynamicConfig.fromMap(Map.of("fast_failover", true, "synchronous_mode", "quorum")).fastFailover()
                .enabled()).as("quorum commit").isFalse();
        assertThat(DynamicConfig.fromMap(Map.of("fast_failover", true, "synchronous_mode", true,
                "synchronous_mode_strict", true)).fastFailover().enabled()).as("strict").isTrue();
        assertThat(DynamicConfig.fromMap(Map.of("fast_failover", true, "synchronous_mode", true))
                .fastFailoverRequested()).isTrue();
    }

    @Test
    void aFastFailoverThatIsNoBooleanIsRefusedNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("fast_failover", "soon")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fast_failover: expected true or false, got 'soon'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DynamicConfig.DEFAULTS.with("fast_failover", 7))
                .hasMessageStartingWith("fast_failover:");
    }
}
