package io.hapg.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hapg.*}: how the application finds the primary. The database, user and password stay in
 * {@code spring.datasource.*}, the pool's settings in {@code spring.datasource.hikari.*}; only the
 * host moves here, because it is the one thing that changes at a failover.
 *
 * <pre>
 * hapg.scope=shop                                   # Patroni's scope: the cluster's name
 * hapg.etcd.endpoints=http://10.0.0.1:2379,...      # either etcd, as the agents use it
 * hapg.members=http://10.0.0.11:8008,...            # or the agents' REST API (no etcd access)
 * hapg.replicas.enabled=true                        # a ReplicaDataSource bean for reads
 * </pre>
 */
@ConfigurationProperties("hapg")
public class HapgProperties {
    /** Patroni's {@code scope}: the cluster's name. Required. */
    private String scope;
    /** Patroni's {@code namespace}. */
    private String namespace = "/service/";
    /** The database; by default the one named in {@code spring.datasource.url}. */
    private String database;
    /** The agents' REST API URLs, polled on {@code GET /primary} and {@code /cluster} when etcd is not used. */
    private List<String> members = new ArrayList<>();
    /** How long a newly named primary may still be in recovery before a connection to it fails (10 s). */
    private Duration promotionWait;
    /** A hung primary's connections are aborted after this long without an answer (the pool's default when unset). */
    private Duration hostMonitorTimeout;
    private final Etcd etcd = new Etcd();
    private final Replicas replicas = new Replicas();

    public String getScope() { return scope; }
    public void setScope(String scope) { this.scope = scope; }
    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
    public String getDatabase() { return database; }
    public void setDatabase(String database) { this.database = database; }
    public List<String> getMembers() { return members; }
    public void setMembers(List<String> members) { this.members = members; }
    public Duration getPromotionWait() { return promotionWait; }
    public void setPromotionWait(Duration promotionWait) { this.promotionWait = promotionWait; }
    public Duration getHostMonitorTimeout() { return hostMonitorTimeout; }
    public void setHostMonitorTimeout(Duration hostMonitorTimeout) { this.hostMonitorTimeout = hostMonitorTimeout; }
    public Etcd getEtcd() { return etcd; }
    public Replicas getReplicas() { return replicas; }

    /** {@code hapg.etcd.*}: the etcd cluster the agents use (Patroni's {@code etcd3} section). */
    public static class Etcd {
        /** etcd client URLs; http or https. */
        private List<String> endpoints = new ArrayList<>();
        private String username;
        private String password;
        /** PEM CA certificate (Patroni's {@code etcd3.cacert}). */
        private Path cacert;
        /** PEM client certificate ({@code etcd3.cert}). */
        private Path cert;
        /** PEM client key ({@code etcd3.key}); may be inside {@code cert}. */
        private Path key;
        /** How long one etcd call may take (Patroni's {@code retry_timeout}). */
        private Duration retryTimeout = Duration.ofSeconds(10);

        public List<String> getEndpoints() { return endpoints; }
        public void setEndpoints(List<String> endpoints) { this.endpoints = endpoints; }
        public String getUsername() { return username; }
        public void setUsername(String username) { this.username = username; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
        public Path getCacert() { return cacert; }
        public void setCacert(Path cacert) { this.cacert = cacert; }
        public Path getCert() { return cert; }
        public void setCert(Path cert) { this.cert = cert; }
        public Path getKey() { return key; }
        public void setKey(Path key) { this.key = key; }
        public Duration getRetryTimeout() { return retryTimeout; }
        public void setRetryTimeout(Duration retryTimeout) { this.retryTimeout = retryTimeout; }

        @Override
        public String toString() {
            return "Etcd[endpoints=" + endpoints + ", username=" + username + (password == null ? "" : ", password=******")
                    + "]";
        }
    }

    /** {@code hapg.replicas.*}: an optional {@code ReplicaDataSource} bean for reads. */
    public static class Replicas {
        private boolean enabled;
        /** Replicas further behind than this many bytes of WAL are not used. */
        private long maxLagBytes = 1024 * 1024;
        /** When no replica is eligible, read from the primary instead of failing. */
        private boolean fallbackToPrimary = true;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public long getMaxLagBytes() { return maxLagBytes; }
        public void setMaxLagBytes(long maxLagBytes) { this.maxLagBytes = maxLagBytes; }
        public boolean isFallbackToPrimary() { return fallbackToPrimary; }
        public void setFallbackToPrimary(boolean fallbackToPrimary) { this.fallbackToPrimary = fallbackToPrimary; }
    }
}
