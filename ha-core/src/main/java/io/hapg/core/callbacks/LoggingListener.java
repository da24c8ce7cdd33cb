package io.hapg.core.callbacks;

import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.RoleChangeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs every role and leader change at INFO: what an operator reads to follow a failover. */
public final class LoggingListener implements RoleChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingListener.class);

    @Override
    public void roleChanged(RoleChange change) {
        LOG.info("{}/{}: role {} -> {} (leader {} -> {})", change.scope(), change.member(), change.oldRole(),
                change.newRole(), change.oldLeader().orElse("none"), change.newLeader().orElse("none"));
    }

    @Override
    public void leaderChanged(RoleChange change) {
        LOG.info("{}/{}: leader {} -> {}", change.scope(), change.member(), change.oldLeader().orElse("none"),
                change.newLeader().orElse("none"));
    }

    @Override
    public void lifecycle(String action, RoleChange context) {
        LOG.info("{}/{}: {} as {}", context.scope(), context.member(), action, context.newRole());
    }
}
