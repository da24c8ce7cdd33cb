package io.hapg.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code restart}, {@code reinit} and {@code reload}: one REST call per member ({@code POST /restart},
 * {@code POST /reinitialize}, {@code POST /reload}), patronictl's messages per member, and exit 1 when any member
 * refused or did not answer. {@code restart} without member names restarts every member, the
 * leader first, as {@code patronictl restart --force} does. Before a restart of every member and
 * before a reinit it shows the topology and asks patronictl's question ({@code Are you sure you
 * want to restart members a, b?}) unless {@code --force}.
 */
final class MemberActions {
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(120);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final String CREATING_REPLICA = "creating replica";

    private MemberActions() {
    }

    static int restart(Session s, CtlArgs args) {
        String role = role(args, "restart");
        ClusterView view = s.read();
        List<Member> members = select(s, view, args.arguments(), role);
        Map<String, Object> body = new LinkedHashMap<>();
        if (args.flag("pending")) {
            body.put("restart_pending", true);
        }
        args.value("pg-version").ifPresent(v -> body.put("postgres_version", v));
        args.value("timeout").ifPresent(v -> body.put("timeout", v));
        args.value("scheduled").flatMap(t -> ManualFailover.parseScheduled(t, s.clock().getZone())).ifPresent(at -> {
            if (Session.config(view).pause()) {
                throw CtlException.failed("Can't schedule restart in the paused state");
            }
            body.put("schedule", at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        });
        if (args.flag("pending")) {
            // The member keys say who waits for a restart; the others would only refuse.
            members.stream().filter(m -> !m.pendingRestart())
                    .forEach(m -> s.out().println("Skipped: member " + m.name() + " has no pending restart"));
            members = members.stream().filter(Member::pendingRestart).collect(Collectors.toList());
        }
        if (args.arguments().isEmpty() && !members.isEmpty()) {
            Object at = body.get("schedule");
            confirm(s, view, args.flag("force"), at == null ? "restart members " + names(members)
                    : "schedule restart of members " + names(members) + " at " + at,
                    at == null ? "Aborted restart" : "Aborted scheduled restart");
        }
        List<String> failed = new ArrayList<>();
        for (Member m : members) {
            RestClient.Response r = call(s, m, "POST", "restart", Format.toJson(body), RESTART_TIMEOUT, failed);
            if (r == null) {
                continue;
            }
            switch (r.status()) {
                case 200: s.out().println("Success: restart on member " + m.name()); break;
                case 202: s.out().println("Success: restart scheduled on member " + m.name()); break;
                case 409:
                    s.out().println("Failed: another restart is already scheduled on member " + m.name());
                    failed.add(m.name());
                    break;
                default:
                    s.out().println("Failed: restart for member " + m.name() + ", " + Session.refusal(r));
                    failed.add(m.name());
            }
        }
        return outcome("restart", failed, members.size());
    }

    static int reinit(Session s, CtlArgs args) {
        ClusterView view = s.read();
        List<Member> members = select(s, view, args.arguments(), "any");
        confirm(s, view, args.flag("force"), "reinitialize members " + names(members), "Aborted reinitialize");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("force", args.flag("force"));
        body.put("from_leader", args.flag("from-leader"));
        List<String> failed = new ArrayList<>();
        List<Member> started = new ArrayList<>();
        for (Member m : members) {
            RestClient.Response r = call(s, m, "POST", "reinitialize", Format.toJson(body), CALL_TIMEOUT, failed);
            if (r == null) {
                continue;
            }
            if (r.ok()) {
                s.out().println("Success: reinitialize for member " + m.name());
                started.add(m);
            } else {
                s.out().println("Failed: reinitialize for member " + m.name() + ", " + Session.refusal(r));
                failed.add(m.name());
            }
        }
        if (args.flag("wait")) {
            awaitClones(s, started);
        }
        return outcome("reinitialize", failed, members.size());
    }

    /**
     * patronictl {@code reload}: {@code POST /reload} on the named members (default: all, the
     * leader first) of {@code --role}, after the topology and patronictl's question unless
     * {@code --force}. Prints per member what the API answered (202: the agent reloads within a
     * loop); exit 1 when any member refused or did not answer.
     */
    static int reload(Session s, CtlArgs args) {
        String role = role(args, "reload");
        ClusterView view = s.read();
        List<Member> members = select(s, view, args.arguments(), role);
        confirm(s, view, args.flag("force"), "reload members " + names(members), "Aborted reload");
        long loopWait = Session.config(view).loopWait().toSeconds();
        List<String> failed = new ArrayList<>();
        for (Member m : members) {
            RestClient.Response r = call(s, m, "POST", "reload", null, CALL_TIMEOUT, failed);
            if (r == null) {
                continue;
            }
            if (r.status() == 200) {
                s.out().println("No changes to apply on member " + m.name());
            } else if (r.status() == 202) {
                s.out().println("Reload request received for member " + m.name() + " and will be processed within "
                        + loopWait + " seconds");
            } else {
                s.out().println("Failed: reload for member " + m.name() + ", " + Session.refusal(r));
                failed.add(m.name());
            }
        }
        return outcome("reload", failed, members.size());
    }

    /**
     * {@code --role}, lower-cased: leader, primary, master, replica or any (the default).
     *
     * @throws CtlException (usage) for another role
     */
    static String role(CtlArgs args, String command) {
        String role = args.value("role").orElse("any").toLowerCase(Locale.ROOT);
        if (!List.of("any", "leader", "primary", "master", "replica").contains(role)) {
            throw CtlException.usage(command + ": unknown role '" + role + "'; use leader, primary, replica or any");
        }
        return role;
    }

    /** patronictl's {@code get_members} and {@code confirm_members_action}: the topology, then the question. */
    static void confirm(Session s, ClusterView view, boolean force, String what, String abort) {
        if (!force) {
            s.out().print(new ClusterTable(s.scope(), view).render(Format.PRETTY));
        }
        s.confirm(force, "Are you sure you want to " + what + "?", abort);
    }

    static String names(List<Member> members) {
        return members.stream().map(Member::name).collect(Collectors.joining(", "));
    }

    /** The named members (each must exist), or all of them; then only those with {@code role}. */
    static List<Member> select(Session s, ClusterView view, List<String> names, String role) {
        List<Member> members = new ArrayList<>();
        if (names.isEmpty()) {
            members.addAll(Session.leaderFirst(view));
        } else {
            for (String n : names) {
                members.add(s.member(view, n));
            }
        }
        boolean leaderOnly = !role.equals("any") && !role.equals("replica");
        members.removeIf(m -> !role.equals("any") && view.isLeader(m.name()) != leaderOnly);
        if (members.isEmpty()) {
            throw CtlException.usage("no " + (role.equals("any") ? "" : role + " ") + "member to act on in cluster "
                    + s.scope() + " (members: " + Session.names(view) + ")");
        }
        return members;
    }

    /**
     * {@code method endpoint} with the JSON body {@code json} (may be null) on member {@code m}:
     * the API's answer, or null after printing why there is none (and adding {@code m} to
     * {@code failed}).
     */
    static RestClient.Response call(Session s, Member m, String method, String endpoint, String json,
                                    Duration timeout, List<String> failed) {
        if (m.apiUrl().isEmpty()) {
            s.out().println("Failed: " + endpoint + " for member " + m.name() + ": it publishes no api_url");
            failed.add(m.name());
            return null;
        }
        try {
            return s.api().call(m.apiUrl(), method, endpoint, json, timeout);
        } catch (RestClient.Unreachable e) {
            s.out().println("Failed: " + endpoint + " for member " + m.name() + ": no answer (" + e.getMessage() + ")");
            failed.add(m.name());
            return null;
        }
    }

    /** 0 when nothing failed. @throws CtlException (failed) naming the members that failed */
    static int outcome(String action, List<String> failed, int asked) {
        if (failed.isEmpty()) {
            return 0;
        }
        throw CtlException.failed(action + " failed on " + failed.size() + " of " + asked + " member"
                + (asked == 1 ? "" : "s") + ": " + String.join(", ", failed));
    }

    /** patronictl {@code reinit --wait}: until no started member reports {@code creating replica}. */
    private static void awaitClones(Session s, List<Member> started) {
        ObjectMapper json = new ObjectMapper();
        List<Member> waiting = new ArrayList<>(started);
        if (!waiting.isEmpty()) {
            s.out().println("Waiting for reinitialize to complete on: " + String.join(", ",
                    waiting.stream().map(Member::name).toArray(String[]::new)));
        }
        while (!waiting.isEmpty()) {
            ConfigChanges.sleep(s.pollInterval());
            waiting.removeIf(m -> {
                try {
                    RestClient.Response r = s.api().call(m.apiUrl(), "GET", "patroni", null, CALL_TIMEOUT);
                    JsonNode doc = json.readTree(r.body());
                    boolean done = doc != null && !CREATING_REPLICA.equals(doc.path("state").asText());
                    if (done) {
                        s.out().println("Reinitialize is completed on: " + m.name());
                    }
                    return done;
                } catch (RestClient.Unreachable | IOException e) {
                    return false;
                }
            });
        }
    }
}
