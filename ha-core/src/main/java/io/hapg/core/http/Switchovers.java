package io.hapg.core.http;

import io.hapg.core.decision.Takeover;
import io.hapg.core.decision.Takeover.Problem;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ConsensusUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /switchover}, {@code POST /failover} and {@code DELETE /switchover}, following
 * Patroni's {@code do_POST_failover}: the same checks in the same order, the same texts and codes.
 * The request is validated, as Patroni does, against a fresh read of the cluster (the loop's view
 * may be a {@code loop_wait} old: a replica that just caught up would be refused), or the loop's
 * view when the store does not answer; the outcome of an immediate switchover is polled from
 * fresh cluster reads for up to {@code 2 * max(10 s, loop_wait)}.
 */
final class Switchovers {
    private static final Logger LOG = LoggerFactory.getLogger(Switchovers.class);

    private final ApiContext ctx;
    private final Duration pollInterval;

    Switchovers(ApiContext ctx, Duration pollInterval) {
        this.ctx = ctx;
        this.pollInterval = pollInterval;
    }

    /** @param requested {@code switchover} or {@code failover}, from the path */
    Reply post(Request request, String requested) {
        Map<String, Object> body = request.jsonObject(ctx.json(), false);
        Facts f = ctx.requireFacts();
        String leader = text(body.get("leader"));
        String candidate = Optional.ofNullable(text(body.get("candidate"))).orElse(text(body.get("member")));
        String scheduled = text(body.get("scheduled_at"));
        LOG.info("{}/{}: received {} request with leader={} candidate={} scheduled_at={}", f.status().scope(),
                f.status().member(), requested, leader, candidate, scheduled);
        DynamicConfig config = f.config();
        Optional<String> refused = refusal(requested, leader, candidate, scheduled, config.pause());
        if (refused.isPresent()) {
            return Reply.text(400, refused.get());
        }
        Instant at = scheduled == null ? null : Schedules.parse(scheduled, requested, ctx.time().now());
        if (config.pause() && candidate == null) {
            return Reply.text(400, "Switchover is possible only to a specific candidate in a paused state");
        }
        if (Objects.equals(leader, candidate)) {
            return Reply.text(400, "Switchover target and source are the same");
        }
        // Patroni: a failover naming the leader is a switchover.
        String action = leader != null ? "switchover" : requested;
        ClusterView view = freshOr(f.status().cluster());
        if (at == null) {
            Optional<String> impossible = impossible(view, config, leader, candidate, action);
            if (impossible.isPresent()) {
                return Reply.text(412, impossible.get());
            }
        }
        FailoverRequest failover = new FailoverRequest(Optional.ofNullable(leader), Optional.ofNullable(candidate),
                Optional.ofNullable(at), 0);
        if (!ctx.control().writeFailover(-1, Optional.of(failover))) {
            return Reply.text(503, "failed to write failover key into DCS");
        }
        if (at != null) {
            return Reply.text(202, title(action) + " scheduled");
        }
        return poll(view.leader().map(l -> l.name()).orElse(null), candidate, action, config.loopWait());
    }

    private ClusterView freshOr(ClusterView loopView) {
        try {
            return ctx.control().readCluster();
        } catch (ConsensusUnavailableException e) {
            LOG.info("judging the request on the last loop's view: {}", e.getMessage());
            return loopView;
        }
    }

    /** Patroni's first 400 checks, in its order; the caller then parses {@code scheduled_at} and checks the rest. */
    private static Optional<String> refusal(String action, String leader, String candidate, String scheduled,
                                            boolean paused) {
        if (action.equals("failover") && candidate == null) {
            return Optional.of("Failover could be performed only to a specific candidate");
        }
        if (action.equals("switchover") && leader == null) {
            return Optional.of("Switchover could be performed only from a specific leader");
        }
        if (scheduled != null && action.equals("failover")) {
            return Optional.of("Failover can't be scheduled");
        }
        if (scheduled != null && paused) {
            return Optional.of("Can't schedule switchover in the paused state");
        }
        return Optional.empty();
    }

    /** Patroni's {@code is_failover_possible}, judged on the stored view's member records. */
    static Optional<String> impossible(ClusterView view, DynamicConfig config, String leader, String candidate,
                                       String action) {
        if (leader != null && !view.isLeader(leader)) {
            return Optional.of("leader name does not match");
        }
        boolean manualFailover = !action.equals("switchover");
        // Patroni's API judges by the sync key's standbys whenever synchronous_mode is on.
        Predicate<String> synchronous = config.synchronousMode() ? view.sync().syncStandbys()::contains : name -> true;
        List<Member> members;
        if (candidate != null) {
            Set<Problem> problems = Takeover.problems(view, candidate, manualFailover, synchronous);
            if (problems.contains(Problem.NOT_SYNCHRONOUS)) {
                return Optional.of("candidate name does not match with sync_standby");
            }
            if (problems.contains(Problem.NO_SUCH_MEMBER)) {
                return Optional.of("candidate does not exists");
            }
            members = List.of(view.member(candidate).get());
        } else if (config.synchronousMode()) {
            members = view.members().values().stream().filter(m -> synchronous.test(m.name()))
                    .collect(Collectors.toList());
            if (members.isEmpty()) {
                return Optional.of(action + " is not possible: can not find sync_standby");
            }
        } else {
            members = view.members().values().stream()
                    .filter(m -> !view.isLeader(m.name()) && !m.apiUrl().isEmpty()).collect(Collectors.toList());
            if (members.isEmpty()) {
                return Optional.of(action + " is not possible: cluster does not have members except leader");
            }
        }
        boolean anyHealthy = members.stream()
                .anyMatch(m -> Takeover.problems(view, m.name(), manualFailover, synchronous).isEmpty());
        return anyHealthy ? Optional.empty()
                : Optional.of(action + " is not possible: no good candidates have been found");
    }

    private Reply poll(String oldLeader, String candidate, String action, Duration loopWait) {
        long timeoutSeconds = 2 * Math.max(10, loopWait.toSeconds());
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        String verb = action.substring(0, action.length() - 4);
        do {
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                ClusterView view = ctx.control().readCluster();
                Optional<String> now = view.leader().map(l -> l.name());
                if (now.isPresent() && !now.get().equals(oldLeader)) {
                    return candidate == null || candidate.equals(now.get())
                            ? Reply.text(200, "Successfully " + verb + "ed over to \"" + now.get() + "\"")
                            : Reply.text(200, title(verb) + "ed over to \"" + now.get() + "\" instead of \""
                                    + candidate + "\"");
                }
                if (view.failover().isEmpty()) {
                    return Reply.text(503, title(action) + " failed");
                }
            } catch (ConsensusUnavailableException e) {
                LOG.debug("polling the {} result: {}", action, e.getMessage());
            }
        } while (System.nanoTime() - deadline < 0);
        return Reply.text(503, title(action) + " status unknown after " + timeoutSeconds
                + " seconds; operation may still be in progress");
    }

    /** {@code DELETE /switchover}: cancels a scheduled switchover (compare-and-set on a fresh read). */
    Reply delete() {
        ClusterView view = ctx.control().readCluster();
        Optional<FailoverRequest> failover = view.failover();
        if (failover.isEmpty() || failover.get().scheduledAt().isEmpty()) {
            return Reply.text(404, "no switchover is scheduled");
        }
        if (!ctx.control().writeFailover(failover.get().revision(), Optional.empty())) {
            return Reply.text(409, "Conflict");
        }
        return Reply.text(200, "scheduled switchover deleted");
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        String s = value.toString();
        return s.isEmpty() ? null : s;
    }

    private static String title(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
