package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {
    @Test
    void parsesAndFormatsPostgresNotation() {
        Lsn lsn = Lsn.parse("0/3000060");
        assertThat(lsn.value()).isEqualTo(0x3000060L);
        assertThat(lsn).hasToString("0/3000060");
        assertThat(Lsn.parse("16/B374D848")).hasToString("16/B374D848");
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo((0x16L << 32) | 0xB374D848L);
    }

    @Test
    void parsesPatronisIntegerForm() {
        assertThat(Lsn.parse("50331744")).isEqualTo(Lsn.of(50331744));
        assertThat(Lsn.of(50331744)).hasToString("0/3000060");
    }

    @Test
    void comparesAndSubtracts() {
        Lsn a = Lsn.parse("0/3000000");
        Lsn b = Lsn.parse("0/3000100");
        assertThat(a).isLessThan(b);
        assertThat(b.minus(a)).isEqualTo(0x100);
        assertThat(a.minus(b)).isEqualTo(-0x100);
        assertThat(Lsn.max(a, b)).isEqualTo(b);
        assertThat(b.isAfter(a)).isTrue();
        assertThat(a.isBefore(b)).isTrue();
    }

    @Test
    void rejectsGarbageNamingTheText() {
        assertThatThrownBy(() -> Lsn.parse("0/xyz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an LSN: '0/xyz' (expected like 0/3000060)");
        assertThatThrownBy(() -> Lsn.parse("")).hasMessage("not an LSN: empty");
        assertThatThrownBy(() -> Lsn.parse("1FFFFFFFF/0")).hasMessageStartingWith("not an LSN");
        assertThatThrownBy(() -> Lsn.of(-1)).hasMessage("LSN cannot be negative: -1");
    }
}
