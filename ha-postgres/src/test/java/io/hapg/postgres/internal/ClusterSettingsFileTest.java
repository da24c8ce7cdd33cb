package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.PgUser;
import io.hapg.postgres.PostgresConfig;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's settings reach {@code postgresql.conf} only as one line each: managed names in any
 * case and unusable names or values are left out, whatever let them through upstream.
 */
class ClusterSettingsFileTest {
    @TempDir
    Path dir;

    @Test
    void managedSettingsInAnyCaseAndLineBreaksNeverReachTheFile() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        ConfigFiles files = files(dir, data);
        files.writePrimary();
        Map<String, String> cluster = new LinkedHashMap<>();
        cluster.put("PORT", "6543");
        cluster.put("Include", "/etc/evil.conf");
        cluster.put("work_mem", "4MB\nshared_preload_libraries = 'evil'");
        cluster.put("x = 1\nbad", "1");
        cluster.put("maintenance_work_mem", "64MB");

        assertThat(files.setClusterParameters(cluster)).containsExactly("maintenance_work_mem");

        String conf = Files.readString(data.resolve("postgresql.conf"));
        assertThat(conf).contains("maintenance_work_mem = '64MB'").contains("port = '5432'")
                .doesNotContain("'6543'").doesNotContain("PORT").doesNotContain("evil").doesNotContain("work_mem = '4MB")
                .doesNotContain("bad");
    }

    /** hapg's files for member pg1 with data directory {@code data}, its socket and password file in {@code dir}. */
    static ConfigFiles files(Path dir, Path data) {
        PostgresConfig config = PostgresConfig.builder().memberName("pg1").dataDir(data).port(5432)
                .superuser(PgUser.of("postgres", "s")).replication(PgUser.of("replicator", "r")).build();
        return new ConfigFiles(config, OsUser.current(), dir, dir.resolve("pgpass"));
    }
}
