package io.hapg.spring;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.hikari.ClusterLocator;
import io.hapg.hikari.ConsensusPrimaryLocator;
import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.PrimaryDataSourceConfig;
import io.hapg.hikari.ReplicaDataSource;
import io.hapg.hikari.RestPrimaryLocator;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

/**
 * Makes the application's {@code DataSource} a {@link PrimaryDataSource} when {@code hapg.scope} is
 * set: the same {@code spring.datasource.*} and {@code spring.datasource.hikari.*} settings, with
 * the host found through the cluster ({@code hapg.etcd.endpoints} or {@code hapg.members}) instead
 * of {@code spring.datasource.url}'s. Runs before Boot's {@code DataSourceAutoConfiguration}, which
 * then backs off; an application that defines its own {@code DataSource} or {@link ClusterLocator}
 * bean keeps it.
 *
 * <p>Beans: {@code hapgLocator} ({@link ClusterLocator}), {@code dataSource} ({@link PrimaryDataSource},
 * primary), {@code replicaDataSource} ({@link ReplicaDataSource}) with {@code hapg.replicas.enabled};
 * with Spring Boot's health module, a {@code hapg} health indicator; with Micrometer, the pool's meters.
 * Each is closed with the context, the pools before the locator.
 */
@AutoConfiguration(before = DataSourceAutoConfiguration.class)
@ConditionalOnProperty(prefix = "hapg", name = "scope")
@EnableConfigurationProperties({HapgProperties.class, DataSourceProperties.class})
public class HapgAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(HapgAutoConfiguration.class);

    /** Where the primary is: etcd when {@code hapg.etcd.endpoints} is set, else the members' REST API. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(ClusterLocator.class)
    public ClusterLocator hapgLocator(HapgProperties hapg, Environment environment) {
        boolean etcd = !hapg.getEtcd().getEndpoints().isEmpty();
        boolean rest = !hapg.getMembers().isEmpty();
        if (etcd == rest) {
            throw new IllegalStateException("hapg: set exactly one of hapg.etcd.endpoints (the agents' etcd) and "
                    + "hapg.members (the agents' REST API URLs); " + (etcd ? "both are set" : "neither is set"));
        }
        if (rest) {
            RestPrimaryLocator.Builder b = RestPrimaryLocator.builder().cluster(hapg.getScope())
                    .members(hapg.getMembers());
            LOG.info("hapg: following the primary of cluster {} through its members' REST API {}", hapg.getScope(),
                    hapg.getMembers());
            return b.build().start();
        }
        HapgProperties.Etcd e = hapg.getEtcd();
        EtcdConfig.Builder config = EtcdConfig.builder().endpoints(e.getEndpoints()).namespace(hapg.getNamespace())
                .scope(hapg.getScope()).member(environment.getProperty("spring.application.name", "application"))
                .retryTimeout(e.getRetryTimeout());
        Optional.ofNullable(e.getCacert()).ifPresent(config::caCert);
        if (e.getCert() != null) {
            config.clientCert(e.getCert(), e.getKey());
        } else if (e.getKey() != null) {
            throw new IllegalStateException("hapg.etcd.key is set without hapg.etcd.cert");
        }
        if (e.getUsername() != null) {
            config.credentials(e.getUsername(), e.getPassword() == null ? "" : e.getPassword());
        }
        EtcdConsensus consensus = new EtcdConsensus(config.build());
        try {
            ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(consensus).cluster(hapg.getScope())
                    .cachedView(consensus::cachedView).closeConsensus(true).build().start();
            LOG.info("hapg: following the primary of cluster {} through etcd {}", hapg.getScope(), e.getEndpoints());
            return locator;
        } catch (RuntimeException failed) {
            consensus.close();
            throw failed;
        }
    }

    /** The application's DataSource: writes go to whichever node is primary now. */
    @Bean(destroyMethod = "close")
    @Primary
    @ConditionalOnMissingBean(name = "dataSource")
    public PrimaryDataSource dataSource(ClusterLocator hapgLocator, HapgProperties hapg,
                                        DataSourceProperties datasource, Environment environment) {
        PostgresUrl url = PostgresUrl.parse(datasource.getUrl());
        if (!url.hosts().isEmpty()) {
            LOG.info("hapg: spring.datasource.url's host {} is not used: the pool connects to the cluster's primary",
                    url.hosts());
        }
        PrimaryDataSourceConfig.Builder b = PrimaryDataSourceConfig.builder(hapgLocator)
                .hikari(hikari(environment, "spring.datasource.hikari"))
                .database(database(hapg, url));
        Optional.ofNullable(datasource.determineUsername()).or(url::user).ifPresent(b::user);
        Optional.ofNullable(datasource.determinePassword()).or(url::password).ifPresent(b::password);
        url.properties().forEach(b::pgProperty);
        Optional.ofNullable(hapg.getPromotionWait()).ifPresent(b::promotionWait);
        Optional.ofNullable(hapg.getHostMonitorTimeout()).ifPresent(b::hostMonitorTimeout);
        return PrimaryDataSource.start(b.build());
    }

    /** Reads from replicas within {@code hapg.replicas.max-lag-bytes}, else from the primary. */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(prefix = "hapg.replicas", name = "enabled", havingValue = "true")
    @ConditionalOnMissingBean(name = "replicaDataSource")
    public ReplicaDataSource replicaDataSource(ClusterLocator hapgLocator, HapgProperties hapg,
                                               DataSourceProperties datasource, Environment environment,
                                               @Qualifier("dataSource") PrimaryDataSource primary) {
        PostgresUrl url = PostgresUrl.parse(datasource.getUrl());
        ReplicaDataSource.Builder b = ReplicaDataSource.builder(hapgLocator)
                .hikari(hikari(environment, "spring.datasource.hikari")).database(database(hapg, url))
                .maxLagBytes(hapg.getReplicas().getMaxLagBytes());
        Optional.ofNullable(datasource.determineUsername()).or(url::user).ifPresent(b::user);
        Optional.ofNullable(datasource.determinePassword()).or(url::password).ifPresent(b::password);
        url.properties().forEach(b::pgProperty);
        if (hapg.getReplicas().isFallbackToPrimary()) {
            b.fallback(primary);
        }
        return b.build();
    }

    private static String database(HapgProperties hapg, PostgresUrl url) {
        if (hapg.getDatabase() != null) {
            return hapg.getDatabase();
        }
        return url.database().orElseThrow(() -> new IllegalStateException(
                "hapg: no database: set spring.datasource.url (jdbc:postgresql:///DATABASE) or hapg.database"));
    }

    /** {@code spring.datasource.hikari.*} bound as Boot binds it for its own Hikari pool. */
    private static HikariConfig hikari(Environment environment, String prefix) {
        HikariConfig config = new HikariConfig();
        Binder.get(environment).bind(prefix, Bindable.ofInstance(config));
        return config;
    }
}
