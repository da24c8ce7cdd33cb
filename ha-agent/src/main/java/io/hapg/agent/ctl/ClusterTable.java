package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code hactl list}: patronictl 3's member table, computed from one etcd read as Patroni's
 * {@code cluster_as_json} and {@code output_members} do. Columns: Member, Host, Role
 * ({@code Leader}, {@code Sync Standby}, {@code Replica}), State (a replica's replication state
 * when it has one), TL, Lag in MB (how far the member's WAL position is behind the leader's last
 * published one, rounded half-even as Python does; empty for the leader) and, when any member has
 * one, Pending restart ({@code *}) and Tags, in patronictl's order.
 */
public final class ClusterTable {
    static final String CLUSTER = "Cluster";
    static final List<String> COLUMNS = List.of("Member", "Host", "Role", "State", "TL", "Lag in MB");
    private static final long MB = 1024 * 1024;
    /** Python's {@code isoformat()}, as Patroni writes {@code scheduled_at}. */
    private static final DateTimeFormatter PYTHON_ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");

    private final String scope;
    private final ClusterView view;
    private final DynamicConfig config;
    private final boolean extended;
    private final boolean topology;

    ClusterTable(String scope, ClusterView view) {
        this(scope, view, false, false);
    }

    /**
     * @param extended patronictl's {@code list -e}: the Pending restart, Scheduled restart and
     *                 Tags columns even when every cell is empty
     * @param topology patronictl's {@code topology}: the leader first, each replica under its
     *                 upstream (its {@code replicatefrom} replica, else the leader), indented with
     *                 {@code + }
     */
    ClusterTable(String scope, ClusterView view, boolean extended, boolean topology) {
        this.scope = scope;
        this.view = view;
        this.config = view.config().orElse(DynamicConfig.DEFAULTS);
        this.extended = extended;
        this.topology = topology;
    }

    /** The table as {@code hactl list} prints it, with the maintenance and scheduled-switchover notes. */
    public static String pretty(String scope, ClusterView view) {
        return new ClusterTable(scope, view).render(Format.PRETTY);
    }

    /**
     * What the table shows apart from the lag column, as one string: two views with equal shapes
     * print the same table but for lag (a watcher reprints only when the shape changes).
     */
    public static String shape(String scope, ClusterView view) {
        ClusterTable t = new ClusterTable(scope, view);
        List<String> columns = t.columns();
        int lag = columns.indexOf("Lag in MB");
        StringBuilder b = new StringBuilder(t.title()).append(t.serviceInfo());
        for (List<Object> row : t.rows(columns)) {
            List<Object> cells = new ArrayList<>(row);
            cells.remove(lag);
            b.append('\n').append(cells.stream().map(Format::cell).collect(Collectors.joining("\t")));
        }
        return b.toString();
    }

    /** The table in {@code pretty}, {@code json}, {@code yaml} or {@code tsv} format. */
    String render(Format format) {
        List<String> columns = columns();
        List<List<Object>> rows = rows(columns);
        switch (format) {
            case JSON:
            case YAML: {
                List<String> named = new ArrayList<>(columns);
                named.add(0, CLUSTER);
                List<List<Object>> withScope = new ArrayList<>();
                for (List<Object> r : rows) {
                    List<Object> row = new ArrayList<>(r);
                    row.add(0, scope);
                    withScope.add(row);
                }
                return format == Format.JSON ? Format.json(named, withScope, true)
                        : Format.yaml(named, withScope, true);
            }
            case TSV:
                return Format.tsv(columns, rows, CLUSTER, scope);
            default:
                Table table = new Table(columns, Set.of("TL", "Lag in MB"));
                rows.forEach(r -> table.row(r.stream().map(Format::cell).collect(Collectors.toList())));
                return table.render(title()) + serviceInfo();
        }
    }

    /** {@code " Cluster: demo (7312345678901234567) "}: the sysid, or uninitialized / initializing. */
    String title() {
        String sysid = view.initialize().map(s -> s.isEmpty() ? "initializing" : s).orElse("uninitialized");
        return " " + CLUSTER + ": " + scope + " (" + sysid + ") ";
    }

    private List<String> columns() {
        List<String> columns = new ArrayList<>(COLUMNS);
        if (extended || view.members().values().stream().anyMatch(Member::pendingRestart)) {
            columns.add("Pending restart");
        }
        if (extended || view.members().values().stream().anyMatch(m -> m.scheduledRestart().isPresent())) {
            columns.add("Scheduled restart");
        }
        if (extended || view.members().values().stream().anyMatch(m -> !m.tags().values().isEmpty())) {
            columns.add("Tags");
        }
        return columns;
    }

    private List<List<Object>> rows(List<String> columns) {
        boolean appendPort = appendPort();
        List<List<Object>> rows = new ArrayList<>();
        Map<String, Integer> levels = topology ? new LinkedHashMap<>() : Map.of();
        List<Member> members = topology ? Topology.sort(view, levels) : sorted();
        for (Member m : members) {
            List<Object> row = new ArrayList<>();
            int level = levels.getOrDefault(m.name(), 0);
            row.add(level == 0 ? m.name() : " ".repeat((level - 1) * 2) + "+ " + m.name());
            row.add(host(m, appendPort));
            row.add(role(m));
            row.add(state(m));
            row.add(m.timeline() > 0 ? m.timeline() : "");
            row.add(view.isLeader(m.name()) ? "" : lagInMb(m));
            if (columns.contains("Pending restart")) {
                row.add(m.pendingRestart() ? "*" : "");
            }
            if (columns.contains("Scheduled restart")) {
                row.add(m.scheduledRestart().map(Member.ScheduledRestart::describe).orElse(""));
            }
            if (columns.contains("Tags")) {
                row.add(m.tags().values().isEmpty() ? "" : tags(m));
            }
            rows.add(row);
        }
        return rows;
    }

    private List<Member> sorted() {
        return view.members().values().stream().sorted(Comparator.comparing(Member::name))
                .collect(Collectors.toList());
    }

    /**
     * {@code Leader} ({@code Standby Leader} in a standby cluster), {@code Sync Standby},
     * {@code Quorum Standby} (a voter in quorum commit) or {@code Replica} (Patroni's role, title-cased).
     */
    String role(Member m) {
        if (view.isLeader(m.name())) {
            return config.standbyCluster().isPresent() ? "Standby Leader" : "Leader";
        }
        if (config.synchronousMode() && view.sync().syncStandbys().contains(m.name())) {
            return config.quorumCommit() ? "Quorum Standby" : "Sync Standby";
        }
        return "Replica";
    }

    private String state(Member m) {
        if (view.isLeader(m.name())) {
            return m.state();
        }
        return m.replicationState().filter(s -> !s.isEmpty()).orElse(m.state());
    }

    /** Rounded megabytes behind the leader's last published position, or {@code unknown}. */
    Object lagInMb(Member m) {
        Optional<Lsn> position = m.xlogLocation().or(m::walPosition);
        if (position.isEmpty()) {
            return "unknown";
        }
        long clusterLsn = view.status().optime().map(Lsn::value).orElse(0L);
        long lag = Math.max(0, clusterLsn - position.get().value());
        return (long) Math.rint((double) lag / MB);
    }

    /** patronictl shows host:port when a port is not 5432 or two members share a host. */
    private boolean appendPort() {
        List<URI> urls = view.members().values().stream().map(ClusterTable::connUrl).flatMap(Optional::stream)
                .collect(Collectors.toList());
        boolean odd = urls.stream().anyMatch(u -> u.getPort() > 0 && u.getPort() != 5432);
        return odd || urls.stream().map(URI::getHost).distinct().count() < urls.size();
    }

    private static String host(Member m, boolean appendPort) {
        return connUrl(m).map(u -> appendPort && u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost())
                .orElse("");
    }

    private static Optional<URI> connUrl(Member m) {
        try {
            URI uri = URI.create(m.connUrl());
            return uri.getHost() == null ? Optional.empty() : Optional.of(uri);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Object tags(Member m) {
        return new LinkedHashMap<>(m.tags().values());
    }

    /** patronictl's lines under the table: maintenance mode and a scheduled switchover. */
    private String serviceInfo() {
        List<String> info = new ArrayList<>();
        if (config.pause()) {
            info.add("Maintenance mode: on");
        }
        view.failover().filter(f -> f.scheduledAt().isPresent()).ifPresent(f -> info.add(scheduled(f)));
        return info.isEmpty() ? "" : " " + String.join("\n ", info) + "\n";
    }

    private static String scheduled(FailoverRequest f) {
        StringBuilder b = new StringBuilder("Switchover scheduled at: ")
                .append(f.scheduledAt().get().atOffset(ZoneOffset.UTC).format(PYTHON_ISO));
        Map<String, Optional<String>> ends = new LinkedHashMap<>();
        ends.put("from", f.leader());
        ends.put("to", f.candidate());
        ends.forEach((k, v) -> v.ifPresent(name -> b.append('\n').append(String.format("%24s: %s", k, name))));
        return b.toString();
    }
}
