package io.hapg.core.internal;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the last configuration read from the {@code config} key for while that key is unreadable.
 * Falling back to the local {@code bootstrap.dcs} instead would silently drop what the cluster was
 * told at runtime ({@code pause}, strict synchronous mode, a longer {@code ttl}). A key that is
 * absent is not corrupt: then the bootstrap configuration applies (and the leader writes it).
 * Owned by the loop thread.
 */
final class LastGoodConfig {
    private static final Logger LOG = LoggerFactory.getLogger(LastGoodConfig.class);

    private final String prefix;
    private Optional<DynamicConfig> lastGood = Optional.empty();
    private long warnedRevision;

    LastGoodConfig(String scope, String member) {
        this.prefix = scope + "/" + member;
    }

    /** {@code view}, or, when its {@code config} key is unreadable, {@code view} with the last good one. */
    ClusterView apply(ClusterView view) {
        if (view.config().isPresent()) {
            lastGood = view.config();
            warnedRevision = 0;
            return view;
        }
        if (!view.configUnreadable()) {
            return view;
        }
        if (warnedRevision != view.configRevision()) {
            warnedRevision = view.configRevision();
            LOG.warn("{}: the config key (revision {}) is unreadable; {} until it is repaired (hactl edit-config,"
                    + " or PUT /config)", prefix, view.configRevision(), lastGood.isPresent()
                    ? "keeping the last good configuration " + summary(lastGood.get())
                    : "no good one was read since start, so the local bootstrap.dcs applies");
        }
        return lastGood.map(view::withConfig).orElse(view);
    }

    private static String summary(DynamicConfig c) {
        return "(ttl=" + c.ttl().toSeconds() + ", loop_wait=" + c.loopWait().toSeconds() + ", pause=" + c.pause()
                + ", synchronous_mode=" + c.synchronousMode() + ", synchronous_mode_strict="
                + c.synchronousModeStrict() + ")";
    }
}
