package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code switchover} and {@code failover}: patronictl's {@code _do_failover_or_switchover}. After
 * the checks and the current topology it asks patronictl's question ({@code Are you sure you want
 * to switchover cluster X, demoting current leader Y?}) unless {@code --force}; it does not ask
 * for the options left out (the candidate, the time), which keep their defaults. The request goes
 * to the leader's REST API ({@code POST /switchover} or {@code POST /failover}), or to the
 * candidate's when there is no leader; what the API answers is
 * printed, and a refusal exits 1. hactl never writes the {@code failover} key itself, so every
 * request passes the API's checks.
 */
final class ManualFailover {
    private ManualFailover() {
    }

    static int switchover(Session s, CtlArgs args) {
        if (args.value("leader").isPresent() && args.value("primary").isPresent()) {
            throw CtlException.usage("switchover: give --leader or --primary, not both");
        }
        Optional<String> leader = args.value("leader").or(() -> args.value("primary"));
        Optional<OffsetDateTime> at = args.value("scheduled").flatMap(t -> parseScheduled(t, s.clock().getZone()));
        return run(s, "switchover", leader, args.value("candidate"), at, args.flag("force"));
    }

    static int failover(Session s, CtlArgs args) {
        Optional<String> candidate = args.value("candidate");
        if (candidate.isEmpty()) {
            throw CtlException.usage("failover: --candidate is required (a failover promotes a named replica;"
                    + " use switchover to let the cluster choose)");
        }
        return run(s, "failover", Optional.empty(), candidate, Optional.empty(), args.flag("force"));
    }

    private static int run(Session s, String action, Optional<String> leaderArg, Optional<String> candidate,
                           Optional<OffsetDateTime> at, boolean force) {
        ClusterView view = s.read();
        s.out().println("Current cluster topology");
        s.out().print(new ClusterTable(s.scope(), view).render(Format.PRETTY));
        Optional<String> leader = view.leader().map(l -> l.name());
        if (action.equals("switchover")) {
            checkLeader(s, leader, leaderArg);
        }
        checkCandidate(s, view, action, leader, candidate);
        if (at.isPresent() && Session.config(view).pause()) {
            throw CtlException.failed("Can't schedule switchover in the paused state");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (action.equals("switchover")) {
            body.put("leader", leader.get());
        }
        candidate.ifPresent(c -> body.put("candidate", c));
        at.ifPresent(t -> body.put("scheduled_at", t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)));
        String demote = leader.map(l -> ", demoting current leader " + l).orElse("");
        if (at.isPresent()) {
            s.confirm(force, "Are you sure you want to schedule " + action + " of cluster " + s.scope() + " at "
                    + body.get("scheduled_at") + demote + "?", "Aborting scheduled " + action);
        } else {
            s.confirm(force, "Are you sure you want to " + action + " cluster " + s.scope() + demote + "?",
                    "Aborting " + action);
        }
        Member target = view.leaderMember().filter(m -> !m.apiUrl().isEmpty())
                .orElseGet(() -> s.member(view, candidate.get()));
        RestClient.Response r = post(s, target, action, body, view);
        if (!r.ok()) {
            String result = r.body().toLowerCase(Locale.ROOT).contains("status unknown") ? "result unknown" : "failed";
            throw CtlException.failed(title(action) + " " + result + ", details: " + r.status() + ", "
                    + r.body().strip() + " (from " + target.name() + " at " + target.apiUrl() + ")");
        }
        s.out().println(s.timestamp() + " " + r.body().strip());
        s.out().print(new ClusterTable(s.scope(), s.read()).render(Format.PRETTY));
        return 0;
    }

    private static void checkLeader(Session s, Optional<String> leader, Optional<String> leaderArg) {
        if (leader.isEmpty()) {
            throw CtlException.failed("This cluster has no leader");
        }
        if (leaderArg.isPresent() && !leaderArg.equals(leader)) {
            throw CtlException.usage("Member " + leaderArg.get() + " is not the leader of cluster " + s.scope()
                    + " (the leader is " + leader.get() + ")");
        }
    }

    /** patronictl's candidate checks: not the leader, a member, not tagged nofailover. */
    private static void checkCandidate(Session s, ClusterView view, String action, Optional<String> leader,
                                       Optional<String> candidate) {
        List<String> candidates = view.members().values().stream()
                .filter(m -> !leader.equals(Optional.of(m.name())) && !m.tags().nofailover())
                .map(Member::name).sorted().collect(Collectors.toList());
        if (candidate.isPresent() && !candidates.contains(candidate.get())) {
            String c = candidate.get();
            if (leader.equals(candidate)) {
                throw CtlException.usage("Member " + c + " is already the leader of cluster " + s.scope());
            }
            Member m = s.member(view, c);
            throw CtlException.usage("Member " + m.name() + " is tagged nofailover and cannot be promoted");
        }
        if (candidates.isEmpty()) {
            throw CtlException.failed("No candidates found to " + action + " to");
        }
    }

    private static RestClient.Response post(Session s, Member target, String action, Map<String, Object> body,
                                            ClusterView view) {
        // The API polls for the outcome for up to 2 * max(10 s, loop_wait) before it answers.
        long wait = 2 * Math.max(10, Session.config(view).loopWait().toSeconds()) + 15;
        try {
            return s.api().call(target.apiUrl(), "POST", action, Format.toJson(body), Duration.ofSeconds(wait));
        } catch (RestClient.Unreachable e) {
            throw CtlException.failed("could not " + action + ": the REST API of " + target.name()
                    + " did not answer (" + e.getMessage() + "); nothing was requested");
        }
    }

    /**
     * {@code now} (or nothing) is immediate; otherwise an ISO 8601 time, with an offset or in the
     * local time zone {@code zone} (patronictl's {@code parse_scheduled}).
     *
     * @throws CtlException (usage) when the text is not such a time
     */
    static Optional<OffsetDateTime> parseScheduled(String text, ZoneId zone) {
        String t = text.strip();
        if (t.isEmpty() || t.equalsIgnoreCase("now")) {
            return Optional.empty();
        }
        if (t.length() > 10 && t.charAt(10) == ' ') {
            t = t.substring(0, 10) + "T" + t.substring(11);
        }
        try {
            return Optional.of(OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        } catch (DateTimeParseException notOffset) {
            try {
                return Optional.of(ZonedDateTime.parse(t, DateTimeFormatter.ISO_ZONED_DATE_TIME).toOffsetDateTime());
            } catch (DateTimeParseException notZoned) {
                try {
                    return Optional.of(LocalDateTime.parse(t, DateTimeFormatter.ISO_LOCAL_DATE_TIME).atZone(zone)
                            .toOffsetDateTime());
                } catch (DateTimeParseException notLocal) {
                    throw CtlException.usage("Unable to parse scheduled timestamp (" + text + "). It should be in an"
                            + " unambiguous format (e.g. ISO 8601: 2026-05-01T03:00+02:00)");
                }
            }
        }
    }

    private static String title(String action) {
        return Character.toUpperCase(action.charAt(0)) + action.substring(1);
    }
}
