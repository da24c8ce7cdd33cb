package io.hapg.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The setting names the local server knows ({@code pg_settings}), to leave a cluster setting it
 * does not know out of {@code postgresql.conf}: PostgreSQL refuses to start on a file naming an
 * unknown setting, so one typo in {@code PATCH /config} would keep every node down at its next
 * restart (Patroni drops such parameters too). Names with a dot are an extension's and always
 * pass. Read once from the running server; until then nothing is left out. Used by one thread at
 * a time (the node's lifecycle lock).
 */
public final class KnownSettings {
    private static final Logger LOG = LoggerFactory.getLogger(KnownSettings.class);

    private final Instance instance;
    private Optional<Set<String>> names = Optional.empty();
    private final Set<String> warned = new HashSet<>();

    public KnownSettings(Instance instance) {
        this.instance = instance;
    }

    /** {@code parameters} without the names the server reports it does not know, each warned about once. */
    public Map<String, String> filter(Map<String, String> parameters) {
        Optional<Set<String>> known = load();
        if (known.isEmpty()) {
            return parameters;
        }
        Map<String, String> usable = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            if (name.contains(".") || known.get().contains(name.toLowerCase(Locale.ROOT))) {
                usable.put(name, value);
            } else if (warned.add(name)) {
                LOG.warn("{} - ignoring cluster setting postgresql.parameters.{}: this server has no such setting"
                        + " (pg_settings) and would not start with it in postgresql.conf", instance.member(), name);
            }
        });
        return usable;
    }

    private Optional<Set<String>> load() {
        if (names.isEmpty() && instance.postmaster().isRunning()) {
            try (Connection c = instance.connect(instance.config().queryTimeout())) {
                Set<String> loaded = new HashSet<>();
                for (List<String> row : Jdbc.query(c, "SELECT name FROM pg_catalog.pg_settings")) {
                    loaded.add(row.get(0).toLowerCase(Locale.ROOT));
                }
                names = Optional.of(Set.copyOf(loaded));
            } catch (SQLException e) {
                LOG.debug("{} - cannot read pg_settings yet: {}", instance.member(), e.getMessage());
            }
        }
        return names;
    }
}
