package io.hapg.postgres.internal;

import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.SynchronousStandbyNames.Method;
import io.hapg.postgres.internal.SyncNameTokens.Kind;
import io.hapg.postgres.internal.SyncNameTokens.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Writes and reads {@code synchronous_standby_names}. */
public final class SyncNames {
    /**
     * What strict mode writes when no standby qualifies: a name no standby has, so commits wait
     * instead of going through unreplicated. Patroni's placeholder, so its tools recognise it.
     */
    public static final String STRICT_PLACEHOLDER = "__patroni_strict_sync_replica_placeholder__";

    private SyncNames() {
    }

    /**
     * {@code FIRST n ("a", "b")} for all {@code members}, sorted by name (as Patroni writes it); {@code ''}
     * for none, or the strict placeholder for none when {@code strict}. Every listed standby must
     * confirm, so their order means nothing to PostgreSQL: sorted, one set has one value, and a
     * new order of the same standbys (their lag changed) is no change to write and reload.
     */
    public static String format(List<String> members, boolean strict) {
        if (members.isEmpty()) {
            return strict ? "FIRST 1 (" + Jdbc.identifier(STRICT_PLACEHOLDER) + ")" : "";
        }
        return "FIRST " + members.size() + " ("
                + members.stream().sorted().map(Jdbc::identifier).collect(Collectors.joining(", ")) + ")";
    }

    /**
     * Quorum commit's value, as Patroni 4 writes it: {@code ANY n (a,b,c)}, names sorted and
     * quoted (as {@link #format} quotes them), commas without a space, {@code ANY} even for one name; {@code ''} for none.
     *
     * @throws IllegalArgumentException when {@code count} is not between 1 and the number of members
     *                                  (0 with none)
     */
    public static String formatAny(int count, List<String> members) {
        if (members.isEmpty() && count == 0) {
            return "";
        }
        SynchronousStandbyNames.anyOf(count, members); // validates the count against the names
        return "ANY " + count + " (" + members.stream().sorted().map(Jdbc::identifier)
                .collect(Collectors.joining(",")) + ")";
    }

    /** The standby names in a {@code synchronous_standby_names} value, without {@code *} or the placeholder. */
    public static List<String> parse(String value) {
        SynchronousStandbyNames setting = parseSetting(value);
        return setting.names().stream().filter(n -> !n.equals("*") && !n.equals(STRICT_PLACEHOLDER))
                .collect(Collectors.toUnmodifiableList());
    }

    /**
     * A {@code synchronous_standby_names} value read as PostgreSQL's grammar does: {@code FIRST n
     * (list)}, {@code ANY n (list)}, {@code n (list)} (= FIRST), or a bare list (= {@code FIRST 1});
     * names unquoted or double-quoted ({@code ""} for a quote), {@code *}, or digits; keywords in any
     * case. Empty or blank is {@link SynchronousStandbyNames#OFF}.
     *
     * @throws IllegalArgumentException naming the value and the offending position when it is not
     *                                  in that grammar
     */
    public static SynchronousStandbyNames parseSetting(String value) {
        if (value == null) {
            return SynchronousStandbyNames.OFF;
        }
        List<Token> tokens = SyncNameTokens.of(value);
        if (tokens.isEmpty()) {
            return SynchronousStandbyNames.OFF;
        }
        int n = tokens.size();
        boolean closed = tokens.get(n - 1).kind() == Kind.CLOSE;
        Method method = Method.FIRST;
        int count = 1;
        int listStart = 0;
        int listEnd = n;
        Token first = tokens.get(0);
        if (closed && n >= 4 && first.keyword().isPresent() && tokens.get(1).kind() == Kind.NUMBER
                && tokens.get(2).kind() == Kind.OPEN) {
            method = first.keyword().get();
            count = count(value, tokens.get(1));
            listStart = 3;
            listEnd = n - 1;
        } else if (closed && n >= 3 && first.kind() == Kind.NUMBER && tokens.get(1).kind() == Kind.OPEN) {
            count = count(value, first);
            listStart = 2;
            listEnd = n - 1;
        }
        return new SynchronousStandbyNames(method, count, names(value, tokens.subList(listStart, listEnd)));
    }

    private static int count(String value, Token number) {
        try {
            int count = Integer.parseInt(number.text());
            if (count > 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("synchronous_standby_names '" + value + "': the number of synchronous "
                + "standbys must be a positive integer, got '" + number.text() + "' at " + number.position());
    }

    /** {@code name (',' name)*}: names at even places, commas between. */
    private static List<String> names(String value, List<Token> list) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Token t = list.get(i);
            boolean wantName = i % 2 == 0;
            if (wantName ? !t.isName() : t.kind() != Kind.COMMA) {
                throw new IllegalArgumentException("synchronous_standby_names '" + value + "': expected "
                        + (wantName ? "a standby name" : "a comma") + " at " + t.position() + ", got '" + t.text()
                        + "'");
            }
            if (wantName) {
                names.add(t.name());
            }
        }
        if (names.isEmpty() || list.size() % 2 == 0) {
            throw new IllegalArgumentException("synchronous_standby_names '" + value + "': expected a standby name "
                    + (names.isEmpty() ? "in the list" : "after the last comma"));
        }
        return names;
    }
}
