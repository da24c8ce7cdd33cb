package io.hapg.core.model;

/**
 * A PostgreSQL WAL position (log sequence number), written {@code 0/3000060}: the high and low
 * 32 bits in hexadecimal. Patroni stores LSNs in etcd as plain integers; both forms parse.
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn ZERO = new Lsn(0);

    public Lsn {
        if (value < 0) {
            throw new IllegalArgumentException("LSN cannot be negative: " + value);
        }
    }

    public static Lsn of(long value) {
        return new Lsn(value);
    }

    /**
     * Parses {@code X/Y} (hex halves, as {@code pg_current_wal_lsn()} prints) or a decimal integer
     * (as Patroni writes {@code xlog_location}).
     *
     * @throws IllegalArgumentException naming the text when it is neither
     */
    public static Lsn parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("not an LSN: empty");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        try {
            if (slash < 0) {
                return new Lsn(Long.parseLong(s));
            }
            long high = Long.parseLong(s.substring(0, slash), 16);
            long low = Long.parseLong(s.substring(slash + 1), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL || high < 0 || low < 0) {
                throw new NumberFormatException("half out of range");
            }
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected like 0/3000060)", e);
        }
    }

    /** Bytes from {@code other} to this position; negative when {@code other} is ahead. */
    public long minus(Lsn other) {
        return value - other.value;
    }

    public boolean isAfter(Lsn other) {
        return value > other.value;
    }

    public boolean isBefore(Lsn other) {
        return value < other.value;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.value >= b.value ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
