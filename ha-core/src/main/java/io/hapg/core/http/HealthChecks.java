package io.hapg.core.http;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status codes of the health endpoints, as Patroni's {@code do_GET}, {@code do_GET_liveness}
 * and {@code do_GET_readiness} compute them, from {@link Facts} only. Pure functions: no I/O.
 *
 * <p>Like Patroni, a path is classified by the words it contains ({@code leader},
 * {@code primary}, {@code replica}, ...), so any GET path that names no JSON endpoint gets a
 * health answer, and an unrecognised one gets 503.
 *
 * <p>hapg's fast failover ({@code fast_failover}, {@code FAST-FAILOVER.md}) lets a synchronous
 * standby take the key before this leader's lease ends once its heartbeat stands still: a leader
 * whose heartbeat is stale ({@link Facts#heartbeatStale()}) therefore no longer claims the lock.
 * {@code /leader}, {@code /primary} (and its aliases {@code /master}, {@code /read-write}, {@code /}),
 * {@code /read-only} as a primary and {@code /readiness} answer 503 then, as they would for a
 * member without the lock. {@code /health} and {@code /liveness} are about the node, not the lock,
 * and stay as they are.
 */
final class HealthChecks {
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*(B|kB|MB|GB|TB)?\\s*");

    private HealthChecks() {
    }

    /**
     * The status code for a health path.
     *
     * @param facts empty before the first loop iteration: every check is 503 then
     */
    static int code(String path, Map<String, String> query, Optional<Facts> facts) {
        if (facts.isEmpty()) {
            return 503;
        }
        Facts f = facts.get();
        String p = path.equals("/") ? "/primary" : path;
        int replica = replicaCode(f, query);
        int leader;
        int primary;
        int standbyLeader;
        if (!f.clusterAvailable() && f.paused()) {
            // Patroni: without the store, in pause, the PostgreSQL role decides.
            leader = f.runningPrimary() || f.role().equals("standby_leader") ? 200 : 503;
            primary = f.runningPrimary() ? 200 : 503;
            standbyLeader = f.role().equals("standby_leader") ? 200 : 503;
        } else if (f.holdsLock() && f.standbyCluster() && !f.runningPrimary()) {
            // Patroni: in a standby cluster the lock holder is no primary, and no replica either. A
            // primary that the section was added under keeps answering as one (hapg does not demote it).
            leader = 200;
            primary = 503;
            replica = 503;
            standbyLeader = f.role().equals("replica") || f.role().equals("standby_leader") ? 200 : 503;
        } else if (f.holdsLock() && f.heartbeatStale()) {
            // hapg fast failover: the key may be taken before the lease ends (class comment).
            leader = 503;
            primary = 503;
            standbyLeader = 503;
        } else if (f.holdsLock()) {
            leader = 200;
            // hapg: unlike Patroni, not while PostgreSQL is down (a crashed primary restarting).
            primary = f.runningPrimary() ? 200 : 503;
            standbyLeader = 503;
        } else {
            leader = 503;
            primary = 503;
            standbyLeader = 503;
        }
        int code = 503;
        boolean ignoreTags = false;
        if (p.contains("standby_leader") || p.contains("standby-leader")) {
            code = standbyLeader;
            ignoreTags = true;
        } else if (p.contains("leader")) {
            code = leader;
            ignoreTags = true;
        } else if (p.contains("master") || p.contains("primary") || p.contains("read-write")) {
            code = primary;
            ignoreTags = true;
        } else if (p.contains("replica")) {
            code = replica;
        } else if (p.contains("read-only") && !p.contains("sync") && !p.contains("quorum")) {
            code = primary == 200 || standbyLeader == 200 ? 200 : replica;
        } else if (p.contains("health")) {
            code = f.running() ? 200 : 503;
        } else if (f.clusterAvailable()) {
            code = syncCode(p, f, primary, replica);
        }
        if (!ignoreTags && code == 200 && !tagsMatch(f, query)) {
            code = 503;
        }
        return code;
    }

    private static int syncCode(String p, Facts f, int primary, int replica) {
        boolean sync = f.syncStandby();
        boolean quorum = f.quorumStandby();
        switch (p) {
            case "/sync": case "/synchronous":
                return sync ? replica : 503;
            case "/quorum":
                return quorum ? replica : 503;
            case "/async": case "/asynchronous":
                return sync || quorum ? 503 : replica;
            case "/read-only-sync": case "/read-only-synchronous":
                return primary == 200 ? 200 : sync ? replica : 503;
            case "/read-only-quorum":
                return primary == 200 ? 200 : quorum ? replica : 503;
            default:
                return 503;
        }
    }

    private static int replicaCode(Facts f, Map<String, String> query) {
        long maxLag = Optional.ofNullable(query.get("lag")).map(HealthChecks::parseSize)
                .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong).orElse(Long.MAX_VALUE);
        long optime = f.leaderOptime();
        boolean lagging = optime > 0 && optime - f.replayed() > maxLag;
        String wanted = query.get("replication_state");
        boolean stateMatches = wanted == null || wanted.equals(f.replicationState().orElse(null));
        return !f.tags().noloadbalance() && !lagging && f.role().equals("replica") && f.state().equals("running")
                && stateMatches ? 200 : 503;
    }

    /** {@code ?tag_<k>=<v>}: every named tag must exist with that value (non-strings lower-cased). */
    private static boolean tagsMatch(Facts f, Map<String, String> query) {
        for (Map.Entry<String, String> q : query.entrySet()) {
            if (!q.getKey().startsWith("tag_")) {
                continue;
            }
            Optional<String> mine = f.tags().asText(q.getKey().substring(4));
            if (mine.isEmpty() || !mine.get().equals(q.getValue())) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code /liveness}: the HA loop ran within {@code ttl} (a running primary) or {@code 2 * ttl}
     * (anything else); always 200 in pause, where a stuck loop harms nobody.
     */
    static int liveness(Optional<Facts> facts) {
        if (facts.isEmpty()) {
            return 503;
        }
        Facts f = facts.get();
        long threshold = f.config().ttl().toNanos() * (f.runningPrimary() ? 1 : 2);
        return f.paused() || f.age() < threshold ? 200 : 503;
    }

    /**
     * {@code /readiness?lag=&mode=apply|write}: the lock holder, or a running, streaming replica
     * whose lag is within {@code lag} (default {@code maximum_lag_on_failover}).
     */
    static int readiness(Map<String, String> query, Optional<Facts> facts) {
        if (facts.isEmpty()) {
            return 503;
        }
        Facts f = facts.get();
        if (f.holdsLock()) {
            return f.heartbeatStale() ? 503 : 200;
        }
        if (!f.running() || !f.replicationState().orElse("").equals("streaming")) {
            return 503;
        }
        if (!f.clusterAvailable() && f.received() == 0 && !f.failsafeActive()) {
            return 503;
        }
        long position = "write".equals(query.get("mode")) ? f.received() : f.replayed();
        long lag = f.leaderOptime() - position;
        long max = Optional.ofNullable(query.get("lag")).map(HealthChecks::parseSize)
                .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong)
                .orElse(f.config().maximumLagOnFailover());
        return lag > max ? 503 : 200;
    }

    /**
     * Patroni's {@code parse_int(value, 'B')}: bytes, or a number with {@code B}, {@code kB},
     * {@code MB}, {@code GB}, {@code TB} (powers of 1024, case-sensitive). Empty when unreadable;
     * Patroni then ignores the parameter.
     */
    static OptionalLong parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(m.group(1));
            int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
                case "kB" -> 10;
                case "MB" -> 20;
                case "GB" -> 30;
                case "TB" -> 40;
                default -> 0;
            };
            if (n > (Long.MAX_VALUE >> shift)) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(n << shift);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
