package io.hapg.hikari;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryLocator;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link PrimaryDataSource} is built: a normal {@link HikariConfig} (pool size, timeouts,
 * pool name, ...) without any URL, driver or DataSource — the locator decides where to connect —
 * plus the pgjdbc settings every node shares. Immutable; {@link Builder#build()} validates and
 * names the field that is wrong. {@link #toString()} never shows the password.
 *
 * @param hikari          a private copy of the pool settings
 * @param locator         where the primary is
 * @param user            database user
 * @param password        its password ({@code ""} for none)
 * @param database        database name ({@code postgres})
 * @param connectTimeout  pgjdbc {@code connectTimeout}, also the budget of one physical connection
 *                        attempt, waiting for a primary included (5 s)
 * @param socketTimeout   pgjdbc {@code socketTimeout}: no read from a hung server waits longer (30 s)
 * @param promotionWait   how long a newly named primary may still be in recovery before a
 *                        connection to it fails with 25006 (10 s)
 * @param switchoverHold  the longest time borrowers are held for an announced switchover (30 s)
 * @param translateErrors whether failover-class errors reach the application as 08S02/08007 (true)
 * @param pgProperties    further pgjdbc properties (e.g. {@code sslmode})
 * @param hostMonitorInterval how often the primary is probed with the pool's own small connection
 *                        ({@code SELECT 1}, bounded by {@code hostMonitorTimeout}) (1 s)
 * @param hostMonitorTimeout  how long the primary may go without answering a probe before the
 *                        connections in flight on it are aborted and borrowers wait for it or for
 *                        another primary (10 s); {@link Duration#ZERO} turns the monitor off, leaving a
 *                        hung primary to {@code socketTimeout}
 */
public record PrimaryDataSourceConfig(HikariConfig hikari, PrimaryLocator locator, String user, String password,
                                      String database, Duration connectTimeout, Duration socketTimeout,
                                      Duration promotionWait, Duration switchoverHold, boolean translateErrors,
                                      Map<String, String> pgProperties, Duration hostMonitorInterval,
                                      Duration hostMonitorTimeout) {
    static final Duration DEFAULT_HOST_MONITOR_INTERVAL = Duration.ofSeconds(1);
    // 10 s, not less: on a loaded 2-core machine 100 pools connecting to a just-promoted primary at once
    // made SELECT 1 on an established connection take over 4 s, and a false alarm aborts healthy work.
    // Still far below socketTimeout (30 s) and TCP's ~15 min for a black-holed write. On by default since
    // the pools of one locator share one monitor per primary (HostMonitors): with one per pool, 100 pools
    // opened 100 probe connections beside their own to a new primary, and under load its agent's own
    // probe timed out and the agent fenced it (PrimaryFollowingIT).
    static final Duration DEFAULT_HOST_MONITOR_TIMEOUT = Duration.ofSeconds(10);

    public PrimaryDataSourceConfig {
        Objects.requireNonNull(hikari, "hikari");
        Objects.requireNonNull(locator, "locator");
        PgOptions.requireUser(user);
        Objects.requireNonNull(password, "password");
        PgOptions.requireDatabase(database);
        PgOptions.requirePositive(connectTimeout, "connectTimeout");
        PgOptions.requirePositive(socketTimeout, "socketTimeout");
        PgOptions.requirePositive(promotionWait, "promotionWait");
        PgOptions.requirePositive(switchoverHold, "switchoverHold");
        pgProperties = Map.copyOf(pgProperties);
        PgOptions.requireNoReservedProperties(pgProperties);
        PgOptions.requireKnownProperties(pgProperties);
        PgOptions.requirePoolOwnsConnections(hikari);
        PgOptions.requireWritable(hikari);
        PgOptions.requireAbsorbed(hikari, pgProperties);
        PgOptions.requirePositive(hostMonitorInterval, "hostMonitorInterval");
        if (hostMonitorTimeout == null || hostMonitorTimeout.isNegative()
                || !hostMonitorTimeout.isZero() && hostMonitorTimeout.compareTo(hostMonitorInterval) < 0) {
            throw new IllegalArgumentException("hostMonitorTimeout must be 0 (off) or at least hostMonitorInterval ("
                    + hostMonitorInterval + "), got " + hostMonitorTimeout);
        }
    }

    /** The record as it was before the host monitor: the monitor gets its defaults. */
    public PrimaryDataSourceConfig(HikariConfig hikari, PrimaryLocator locator, String user, String password,
                                   String database, Duration connectTimeout, Duration socketTimeout,
                                   Duration promotionWait, Duration switchoverHold, boolean translateErrors,
                                   Map<String, String> pgProperties) {
        this(hikari, locator, user, password, database, connectTimeout, socketTimeout, promotionWait, switchoverHold,
                translateErrors, pgProperties, DEFAULT_HOST_MONITOR_INTERVAL, DEFAULT_HOST_MONITOR_TIMEOUT);
    }

    /** Whether the host monitor runs ({@link #hostMonitorTimeout()} is not zero). */
    public boolean hostMonitorEnabled() {
        return !hostMonitorTimeout.isZero();
    }

    public static Builder builder(PrimaryLocator locator) {
        return new Builder(locator);
    }

    @Override
    public String toString() {
        return "PrimaryDataSourceConfig[" + user + "@" + database + " via " + locator + ", password "
                + (password.isEmpty() ? "none" : "******") + ", connectTimeout " + connectTimeout + ", socketTimeout "
                + socketTimeout + "]";
    }

    /** Builder; defaults as documented on the record. */
    public static final class Builder {
        private final PrimaryLocator locator;
        private final PgOptions pg = new PgOptions();
        private HikariConfig hikari = new HikariConfig();
        private Duration promotionWait = Duration.ofSeconds(10);
        private Duration switchoverHold = Duration.ofSeconds(30);
        private boolean translateErrors = true;
        private Duration hostMonitorInterval = DEFAULT_HOST_MONITOR_INTERVAL;
        private Duration hostMonitorTimeout = DEFAULT_HOST_MONITOR_TIMEOUT;

        private Builder(PrimaryLocator locator) {
            this.locator = Objects.requireNonNull(locator, "locator");
        }

        /**
         * Pool settings; copied, so later changes to {@code v} have no effect. Its
         * {@code dataSourceProperties} become pgjdbc properties and its {@code username}/{@code password}
         * the pool's credentials (HikariCP would ignore them here); {@code readOnly=true} and an
         * {@code initializationFailTimeout} above 1 are refused by {@link #build()}.
         */
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
        public Builder promotionWait(Duration v) { promotionWait = v; return this; }
        public Builder switchoverHold(Duration v) { switchoverHold = v; return this; }
        public Builder translateErrors(boolean v) { translateErrors = v; return this; }
        public Builder pgProperty(String key, String value) { pg.property(key, value); return this; }
        /** How often the host monitor probes the primary (1 s). */
        public Builder hostMonitorInterval(Duration v) { hostMonitorInterval = v; return this; }
        /** How long the primary may leave probes unanswered before its connections are aborted (10 s; 0 = off). */
        public Builder hostMonitorTimeout(Duration v) { hostMonitorTimeout = v; return this; }

        /** @throws IllegalArgumentException naming the field that is missing or invalid */
        public PrimaryDataSourceConfig build() {
            HikariConfig hikari = new HikariConfig();
            this.hikari.copyStateTo(hikari);
            pg.absorb(hikari);
            return new PrimaryDataSourceConfig(hikari, locator, pg.user(), pg.password(), pg.database(),
                    pg.connectTimeout(), pg.socketTimeout(), promotionWait, switchoverHold, translateErrors,
                    pg.properties(), hostMonitorInterval, hostMonitorTimeout);
        }
    }
}
