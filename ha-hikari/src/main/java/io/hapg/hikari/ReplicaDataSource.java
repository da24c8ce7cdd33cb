package io.hapg.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hapg.hikari.internal.ClusterIdentity;
import io.hapg.hikari.internal.PgSettings;
import io.hapg.hikari.internal.ReplicaServerDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * Read scaling: connections to the cluster's replicas whose replication lag is at most
 * {@link Builder#maxLagBytes}, spread round-robin across them (one small HikariCP pool per
 * replica, created when the replica first qualifies and closed when it leaves the cluster), and,
 * when no replica qualifies, from the {@link Builder#fallback} DataSource (typically the
 * {@link PrimaryDataSource}) or an error naming every replica and why it was passed over.
 *
 * <p>Which replicas qualify is decided per {@code getConnection()} from the locator's latest view
 * ({@link ClusterLocator#replicas()}): running, not tagged {@code noloadbalance}, lag known and
 * within the limit. Connections are read-only. A connection already handed out is not moved when
 * its replica starts lagging; HikariCP's {@code maxLifetime} bounds how long it stays.
 *
 * <p>Every physical connection must belong to the cluster, as {@link PrimaryDataSource}'s must: its
 * server's database system identifier ({@code pg_control_system()}) is the locator's
 * {@link ClusterLocator#systemIdentifier()}, else the one the first replica connection found. A
 * server of another cluster (a DNS or address mix-up) is refused, naming both identifiers; the
 * next replica, the fallback or the "no replica" error (with that refusal as its cause) follows.
 */
public final class ReplicaDataSource implements DataSource, AutoCloseable {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(ReplicaDataSource.class);

    private final ClusterLocator locator;
    private final HikariConfig template;
    private final PgSettings settings;
    private final ClusterIdentity identity;
    private final long maxLagBytes;
    private final Optional<DataSource> fallback;
    private final Map<String, Member> pools = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    private record Member(ReplicaEndpoint endpoint, HikariDataSource pool) {
    }

    private ReplicaDataSource(Builder b) {
        this.locator = b.locator;
        this.template = b.hikari;
        this.maxLagBytes = b.maxLagBytes;
        this.fallback = Optional.ofNullable(b.fallback);
        String name = template.getPoolName() != null ? template.getPoolName()
                : "hapg-" + locator.cluster() + "-replicas-" + Integer.toHexString(System.identityHashCode(this));
        this.settings = b.pg.settings(locator.cluster(), name);
        this.identity = new ClusterIdentity(locator.cluster(), () -> PrimaryDataSource.knownIdentifier(locator));
    }

    public static Builder builder(ClusterLocator locator) {
        return new Builder(locator);
    }

    /**
     * A read-only connection to a replica within the lag limit (round-robin), else from the
     * fallback.
     *
     * @throws SQLTransientConnectionException naming each replica and why it was not used, when no
     *     replica qualifies and there is no fallback
     */
    @Override
    public Connection getConnection() throws SQLException {
        if (closed) {
            throw new SQLException("replica pool of " + locator.cluster() + " is closed", "08003");
        }
        List<ReplicaEndpoint> all = locator.replicas();
        if (!all.isEmpty() || locator.problem().isEmpty()) {
            retire(all); // an empty list from a locator that cannot tell is no reason to close every pool
        }
        List<ReplicaEndpoint> eligible = all.stream().filter(this::eligible).collect(Collectors.toList());
        SQLException last = null;
        int start = Math.floorMod(next.getAndIncrement(), Math.max(1, eligible.size()));
        for (int i = 0; i < eligible.size(); i++) {
            ReplicaEndpoint r = eligible.get((start + i) % eligible.size());
            try {
                return pool(r).getConnection();
            } catch (SQLException e) {
                last = e;
                LOG.debug("{} - replica {} failed: {}", locator.cluster(), r.member(), e.getMessage());
            }
        }
        if (fallback.isPresent()) {
            return fallback.get().getConnection();
        }
        SQLTransientConnectionException e = new SQLTransientConnectionException("cluster " + locator.cluster()
                + ": no replica within " + maxLagBytes + " bytes of lag (" + describe(all) + ") and no fallback",
                "08001", last);
        throw e;
    }

    /** The replicas that would be used now. */
    public List<ReplicaEndpoint> eligibleReplicas() {
        return locator.replicas().stream().filter(this::eligible).collect(Collectors.toList());
    }

    private boolean eligible(ReplicaEndpoint r) {
        return !r.noloadbalance() && r.lagBytes().isPresent() && r.lagBytes().getAsLong() <= maxLagBytes;
    }

    private String describe(List<ReplicaEndpoint> all) {
        if (all.isEmpty()) {
            return "no running replica";
        }
        List<String> out = new ArrayList<>();
        for (ReplicaEndpoint r : all) {
            out.add(r.member() + ": " + (r.noloadbalance() ? "noloadbalance" : r.lagBytes().isPresent()
                    ? "lag " + r.lagBytes().getAsLong() + " bytes" : "lag unknown"));
        }
        return String.join(", ", out);
    }

    private HikariDataSource pool(ReplicaEndpoint r) {
        Member m = pools.compute(r.member(), (name, existing) -> {
            if (existing != null && existing.endpoint().host().equals(r.host()) && existing.endpoint().port() == r.port()) {
                return existing;
            }
            if (existing != null) {
                existing.pool().close();
            }
            HikariConfig hc = new HikariConfig();
            template.copyStateTo(hc);
            hc.setPoolName(settings.applicationName() + "-" + name);
            hc.setDataSource(new ReplicaServerDataSource(settings, r.host(), r.port(), identity,
                    "replica " + name + " at " + r.host() + ":" + r.port()));
            hc.setReadOnly(true);
            hc.setInitializationFailTimeout(-1);
            return new Member(r, new HikariDataSource(hc));
        });
        return m.pool();
    }

    /** Closes the pools of members no longer listed as replicas (promoted, removed). */
    private void retire(List<ReplicaEndpoint> current) {
        for (String name : pools.keySet()) {
            if (current.stream().noneMatch(r -> r.member().equals(name))) {
                Member gone = pools.remove(name);
                if (gone != null) {
                    gone.pool().close();
                }
            }
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("credentials are configured on the pool, not per call");
    }

    /** Closes every replica pool (not the fallback). Idempotent. */
    @Override
    public void close() {
        closed = true;
        pools.values().forEach(m -> m.pool().close());
        pools.clear();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // Nothing to set.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // Per-replica pools use connectTimeout.
    }

    @Override
    public int getLoginTimeout() {
        return PgSettings.seconds(settings.connectTimeout());
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    /** Builder for {@link ReplicaDataSource}; pool settings from a normal {@link HikariConfig} without a URL. */
    public static final class Builder {
        private final ClusterLocator locator;
        private final PgOptions pg = new PgOptions();
        private HikariConfig hikari = new HikariConfig();
        private long maxLagBytes = 1024 * 1024;
        private DataSource fallback;

        private Builder(ClusterLocator locator) {
            this.locator = Objects.requireNonNull(locator, "locator");
        }

        /** Settings for each replica's pool (copied); keep {@code maximumPoolSize} small. */
        public Builder hikari(HikariConfig v) {
            HikariConfig copy = new HikariConfig();
            Objects.requireNonNull(v, "hikari").copyStateTo(copy);
            hikari = copy;
            return this;
        }

        public Builder user(String v) { pg.user(v); return this; }
        public Builder password(String v) { pg.password(v); return this; }
        public Builder database(String v) { pg.database(v); return this; }
        public Builder connectTimeout(Duration v) { pg.connectTimeout(v); return this; }
        public Builder socketTimeout(Duration v) { pg.socketTimeout(v); return this; }
        public Builder pgProperty(String key, String value) { pg.property(key, value); return this; }

        /** The most replication lag a replica may have to be used (1 MiB). */
        public Builder maxLagBytes(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("maxLagBytes must be >= 0, got " + v);
            }
            maxLagBytes = v;
            return this;
        }

        /** Where to go when no replica qualifies, e.g. the {@link PrimaryDataSource}; none = fail. */
        public Builder fallback(DataSource v) {
            fallback = Objects.requireNonNull(v, "fallback");
            return this;
        }

        /** @throws IllegalArgumentException naming the field that is missing or invalid */
        public ReplicaDataSource build() {
            HikariConfig absorbed = new HikariConfig();
            hikari.copyStateTo(absorbed);
            pg.absorb(absorbed);
            hikari = absorbed;
            pg.check();
            PgOptions.requirePoolOwnsConnections(hikari);
            return new ReplicaDataSource(this);
        }
    }
}
