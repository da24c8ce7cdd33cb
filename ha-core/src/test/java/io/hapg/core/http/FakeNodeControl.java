package io.hapg.core.http;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.testing.Clusters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A hand-written {@link NodeControl} for the API tests: records every call, answers what the test
 * set, and can change the cluster it reports when a failover key is written (to simulate the
 * loops doing the switchover).
 */
final class FakeNodeControl implements NodeControl {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    volatile ClusterView cluster = Clusters.healthy().config("ttl", 30).build();
    volatile boolean writesSucceed = true;
    volatile Consumer<FailoverRequest> onFailover = request -> { };
    volatile long failoverRevision = Long.MIN_VALUE;
    volatile Optional<FailoverRequest> failover = Optional.empty();
    volatile long configRevision = Long.MIN_VALUE;
    volatile DynamicConfig config;
    volatile RestartOutcome restartOutcome = new RestartOutcome(RestartOutcome.Status.RESTARTED,
            "restarted successfully");
    volatile RestartRequest restart;
    volatile boolean restartScheduled;
    volatile Optional<String> reinitializeRefusal = Optional.empty();
    volatile boolean reinitializeForce;
    /** Thrown by {@link #reload()} when set: an endpoint failing unexpectedly. */
    volatile RuntimeException reloadFailure;
    /** Runs inside {@link #reload()} before it returns: a slow endpoint. */
    volatile Runnable duringReload = () -> { };
    volatile FailsafePing failsafePing;
    /** What {@link #probeOther} answers. */
    volatile LeaderProbe.Outcome probeOutcome = LeaderProbe.Outcome.ANSWERED;
    /** Runs inside {@link #probeOther} before it answers: a slow probe. */
    volatile Runnable duringProbe = () -> { };
    volatile Member probed;
    volatile Duration probeTimeout;
    volatile String probeThread;

    @Override
    public ClusterView readCluster() {
        calls.add("readCluster");
        return cluster;
    }

    @Override
    public boolean writeFailover(long expectedRevision, Optional<FailoverRequest> request) {
        calls.add("writeFailover");
        failoverRevision = expectedRevision;
        failover = request;
        if (writesSucceed) {
            request.ifPresent(onFailover);
        }
        return writesSucceed;
    }

    @Override
    public boolean writeConfig(long expectedRevision, DynamicConfig value) {
        calls.add("writeConfig");
        configRevision = expectedRevision;
        config = value;
        return writesSucceed;
    }

    @Override
    public void failsafePinged(FailsafePing ping) {
        calls.add("failsafePinged");
        failsafePing = ping;
    }

    @Override
    public LeaderProbe.Outcome probeOther(Member member, Duration timeout) {
        calls.add("probeOther");
        probed = member;
        probeTimeout = timeout;
        probeThread = Thread.currentThread().getName();
        duringProbe.run();
        return probeOutcome;
    }

    @Override
    public RestartOutcome restart(RestartRequest request) {
        calls.add("restart");
        restart = request;
        return restartOutcome;
    }

    @Override
    public boolean cancelScheduledRestart() {
        calls.add("cancelScheduledRestart");
        boolean was = restartScheduled;
        restartScheduled = false;
        return was;
    }

    @Override
    public void reload() {
        calls.add("reload");
        duringReload.run();
        if (reloadFailure != null) {
            throw reloadFailure;
        }
    }

    @Override
    public Optional<String> reinitialize(boolean force, boolean fromLeader) {
        calls.add("reinitialize");
        reinitializeForce = force;
        return reinitializeRefusal;
    }
}
