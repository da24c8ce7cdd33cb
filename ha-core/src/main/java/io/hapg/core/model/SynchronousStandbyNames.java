package io.hapg.core.model;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed {@code synchronous_standby_names} value: how many standbys confirm each commit, chosen
 * how, among which names. hapg writes one form only, {@link #allOf}: every named standby confirms
 * every commit, so a name in the setting is a standby that has each commit since it entered. Any
 * other form ({@code ANY 1 (a, b)}, a plain list, which PostgreSQL reads as {@code FIRST 1}, or
 * {@code *}) waits for fewer standbys than it names, and the primary rewrites it.
 *
 * @param method {@link Method#FIRST} (priority) or {@link Method#ANY} (quorum); {@code FIRST} when off
 * @param count  how many standbys confirm each commit; 0 when off (or, with names, a value that
 *               could not be read: never hapg's form, so it is rewritten)
 * @param names  the standby names as written, unquoted, in order ({@code *} and the strict
 *               placeholder included)
 */
public record SynchronousStandbyNames(Method method, int count, List<String> names) {

    /** PostgreSQL's two ways of choosing the synchronous standbys. */
    public enum Method {
        /** {@code FIRST n (...)}, {@code n (...)} or a plain list: the first n connected, by list order. */
        FIRST,
        /** {@code ANY n (...)}: any n of the list (quorum commit). */
        ANY
    }

    /** An empty value: commits wait for no standby. */
    public static final SynchronousStandbyNames OFF = new SynchronousStandbyNames(Method.FIRST, 0, List.of());

    public SynchronousStandbyNames {
        Objects.requireNonNull(method, "method");
        names = List.copyOf(names);
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
    }

    /** hapg's form for {@code members}: {@code FIRST n (members)} with n = all of them; off when none. */
    public static SynchronousStandbyNames allOf(List<String> members) {
        return members.isEmpty() ? OFF : new SynchronousStandbyNames(Method.FIRST, members.size(), members);
    }

    /**
     * Quorum commit's form ({@code synchronous_mode: quorum}): {@code ANY count (members)}, any
     * {@code count} of {@code members} confirm each commit; off when {@code members} is empty.
     *
     * @throws IllegalArgumentException when {@code count} is below 1 or above the number of members
     *                                  (with members), naming the bound
     */
    public static SynchronousStandbyNames anyOf(int count, List<String> members) {
        if (members.isEmpty()) {
            return OFF;
        }
        if (count < 1 || count > members.size()) {
            throw new IllegalArgumentException("count must be between 1 and " + members.size() + " (the number of "
                    + "members), was " + count);
        }
        return new SynchronousStandbyNames(Method.ANY, count, members);
    }

    /**
     * Whether this value is {@code ANY count (members)} with exactly {@code members}, in any order
     * (what {@link #anyOf} writes); for no members, whether it is off. Names compare exactly.
     */
    public boolean isAnyOf(int count, List<String> members) {
        Set<String> mine = new HashSet<>(names);
        if (members.isEmpty()) {
            return mine.isEmpty();
        }
        return method == Method.ANY && this.count == count && names.size() == mine.size()
                && mine.equals(new HashSet<>(members));
    }

    /**
     * Whether this value makes every commit wait for exactly {@code members} (in any order) and
     * nobody else: what {@link #allOf} writes. Names compare exactly, although PostgreSQL matches
     * them case-insensitively: a differently-cased hand-set name is rewritten (harmless), and the
     * key never disagrees with the setting about a name.
     */
    public boolean isAllOf(List<String> members) {
        Set<String> mine = new HashSet<>(names);
        return mine.equals(new HashSet<>(members)) && names.size() == mine.size() && !mine.contains("*")
                && (mine.isEmpty() || method == Method.FIRST && count == mine.size());
    }

    @Override
    public String toString() {
        return names.isEmpty() ? "''" : method + " " + count + " " + names;
    }
}
