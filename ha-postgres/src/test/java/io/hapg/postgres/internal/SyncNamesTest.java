package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.SynchronousStandbyNames.Method;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code synchronous_standby_names} read in full: method, count and names, in PostgreSQL's grammar. */
class SyncNamesTest {

    private static SynchronousStandbyNames of(Method method, int count, String... names) {
        return new SynchronousStandbyNames(method, count, List.of(names));
    }

    @Test
    void everyFormOfTheGrammarKeepsMethodAndCount() {
        assertThat(SyncNames.parseSetting("ANY 1 (a,b)")).isEqualTo(of(Method.ANY, 1, "a", "b"));
        assertThat(SyncNames.parseSetting("any 2(s1, s2, s3)")).isEqualTo(of(Method.ANY, 2, "s1", "s2", "s3"));
        assertThat(SyncNames.parseSetting("FIRST 2 (\"n1\", \"n2\")")).isEqualTo(of(Method.FIRST, 2, "n1", "n2"));
        assertThat(SyncNames.parseSetting("First 1 (a)")).isEqualTo(of(Method.FIRST, 1, "a"));
        assertThat(SyncNames.parseSetting("2 (a, b)")).isEqualTo(of(Method.FIRST, 2, "a", "b"));
        assertThat(SyncNames.parseSetting("2(a,b)")).isEqualTo(of(Method.FIRST, 2, "a", "b"));
    }

    @Test
    void plainListIsFirstOne() {
        assertThat(SyncNames.parseSetting("a, b")).isEqualTo(of(Method.FIRST, 1, "a", "b"));
        assertThat(SyncNames.parseSetting(" a ")).isEqualTo(of(Method.FIRST, 1, "a"));
        assertThat(SyncNames.parseSetting("*")).isEqualTo(of(Method.FIRST, 1, "*"));
        assertThat(SyncNames.parseSetting("1")).isEqualTo(of(Method.FIRST, 1, "1"));
    }

    @Test
    void quotedNamesKeepSpacesCommasCaseAndQuotes() {
        assertThat(SyncNames.parseSetting("FIRST 3 (\"s 1\", \"a,b\", \"quo\"\"te\")"))
                .isEqualTo(of(Method.FIRST, 3, "s 1", "a,b", "quo\"te"));
        assertThat(SyncNames.parseSetting("ANY 1 (\"Pg-1\", pg_2$x)")).isEqualTo(of(Method.ANY, 1, "Pg-1", "pg_2$x"));
        assertThat(SyncNames.parseSetting("ANY 1 (*, a)")).isEqualTo(of(Method.ANY, 1, "*", "a"));
    }

    @Test
    void emptyIsOff() {
        assertThat(SyncNames.parseSetting("")).isEqualTo(SynchronousStandbyNames.OFF);
        assertThat(SyncNames.parseSetting("   ")).isEqualTo(SynchronousStandbyNames.OFF);
    }

    /** CI: the same two standbys written as FIRST 2 ("n1", "n0") after a change of their lag order. */
    @Test
    void oneSetOfStandbysHasOneValue() {
        assertThat(SyncNames.format(List.of("n1", "n0"), false)).isEqualTo("FIRST 2 (\"n0\", \"n1\")")
                .isEqualTo(SyncNames.format(List.of("n0", "n1"), false));
    }

    /** Quorum commit's value as Patroni 4 writes it, read back as ANY n of the same names. */
    @Test
    void quorumValueIsAnyNSortedWithoutSpaces() {
        assertThat(SyncNames.formatAny(2, List.of("n3", "n1", "n2"))).isEqualTo("ANY 2 (\"n1\",\"n2\",\"n3\")");
        assertThat(SyncNames.formatAny(1, List.of("n1"))).isEqualTo("ANY 1 (\"n1\")");
        assertThat(SyncNames.formatAny(0, List.of())).isEmpty();
        assertThat(SyncNames.parseSetting(SyncNames.formatAny(2, List.of("n3", "n1", "n2")))
                .isAnyOf(2, List.of("n1", "n2", "n3"))).isTrue();
        assertThatThrownBy(() -> SyncNames.formatAny(3, List.of("n1", "n2"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whatHapgWritesReadsBackAsItsOwnForm() {
        List<String> odd = List.of("Pg-1", "a,b", "quote\"d");
        SynchronousStandbyNames read = SyncNames.parseSetting(SyncNames.format(odd, false));
        assertThat(read).isEqualTo(SynchronousStandbyNames.allOf(odd));
        assertThat(read.isAllOf(odd)).isTrue();
        assertThat(SyncNames.parseSetting(SyncNames.format(List.of(), true)))
                .isEqualTo(of(Method.FIRST, 1, SyncNames.STRICT_PLACEHOLDER));
    }

    @Test
    void onlyAllOfTheNamesInFirstFormIsHapgsForm() {
        List<String> ab = List.of("a", "b");
        assertThat(SyncNames.parseSetting("FIRST 2 (b, a)").isAllOf(ab)).isTrue();
        assertThat(SyncNames.parseSetting("2 (A, b)").isAllOf(ab)).as("names compare exactly").isFalse();
        assertThat(SyncNames.parseSetting("ANY 1 (a, b)").isAllOf(ab)).isFalse();
        assertThat(SyncNames.parseSetting("ANY 2 (a, b)").isAllOf(ab)).isFalse();
        assertThat(SyncNames.parseSetting("a, b").isAllOf(ab)).isFalse();
        assertThat(SyncNames.parseSetting("FIRST 1 (a, b)").isAllOf(ab)).isFalse();
        assertThat(SyncNames.parseSetting("FIRST 3 (a, b)").isAllOf(ab)).isFalse();
        assertThat(SyncNames.parseSetting("FIRST 2 (a, *)").isAllOf(ab)).isFalse();
        assertThat(SyncNames.parseSetting("*").isAllOf(List.of())).isFalse();
        assertThat(SyncNames.parseSetting("a").isAllOf(List.of("a"))).isTrue();
        assertThat(SyncNames.parseSetting("").isAllOf(List.of())).isTrue();
        assertThat(SyncNames.parseSetting(SyncNames.format(List.of(), true)).isAllOf(List.of())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a,", ",a", "a b", "FIRST 0 (a)", "ANY (a)", "ANY 1 (a", "ANY 1 ()", "2 (,)",
        "FIRST 2 (\"a\",)", "a; b", "\"unterminated", "\"\""})
    void valuesOutsideTheGrammarAreRefusedNamingTheValue(String value) {
        assertThatThrownBy(() -> SyncNames.parseSetting(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("synchronous_standby_names '" + value + "'");
    }
}
