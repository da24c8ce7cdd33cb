package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * patronictl {@code flush [MEMBER...] restart|switchover}: cancels what was scheduled.
 * {@code flush restart} sends {@code DELETE /restart} to the named members (default: all, the
 * leader first) of {@code --role} after the topology and patronictl's question unless
 * {@code --force}; a member with nothing scheduled (404) is reported, not failed. {@code flush
 * switchover} sends {@code DELETE /switchover} to the leader, else to the next member that
 * answers. hactl never clears the {@code failover} key itself (patronictl does when no member
 * answers), so every cancellation passes the API's checks.
 */
final class Flush {
    private Flush() {
    }

    /**
     * Runs {@code flush}: the last argument is the target, the ones before it member names.
     *
     * @throws CtlException (usage) for another target, or member names with {@code switchover};
     *                      (failed) when a member refused or none answered
     */
    static int flush(Session s, CtlArgs args) {
        List<String> words = args.arguments();
        String target = words.get(words.size() - 1);
        List<String> members = words.subList(0, words.size() - 1);
        switch (target) {
            case "restart":
                return restarts(s, args, members);
            case "switchover":
                if (!members.isEmpty()) {
                    throw CtlException.usage("flush switchover takes no member names (the leader cancels it), got '"
                            + String.join(" ", members) + "'");
                }
                return switchover(s);
            default:
                throw CtlException.usage("flush: the last argument must be restart or switchover, got '" + target
                        + "'; usage: " + Command.FLUSH.synopsis());
        }
    }

    private static int restarts(Session s, CtlArgs args, List<String> names) {
        String role = MemberActions.role(args, "flush");
        ClusterView view = s.read();
        List<Member> members = MemberActions.select(s, view, names, role);
        MemberActions.confirm(s, view, args.flag("force"), "flush members " + MemberActions.names(members),
                "Aborted flush");
        List<String> failed = new ArrayList<>();
        for (Member m : members) {
            RestClient.Response r = MemberActions.call(s, m, "DELETE", "restart", null, MemberActions.CALL_TIMEOUT,
                    failed);
            if (r == null) {
                continue;
            }
            if (r.ok()) {
                s.out().println("Success: flush scheduled restart for member " + m.name());
            } else if (r.status() == 404) {
                s.out().println("No scheduled restart for member " + m.name());
            } else {
                s.out().println("Failed: flush scheduled restart for member " + m.name() + ", " + Session.refusal(r));
                failed.add(m.name());
            }
        }
        return MemberActions.outcome("flush scheduled restart", failed, members.size());
    }

    private static int switchover(Session s) {
        ClusterView view = s.read();
        if (view.failover().flatMap(f -> f.scheduledAt()).isEmpty()) {
            s.out().println("No pending scheduled switchover");
            return 0;
        }
        List<String> refusals = new ArrayList<>();
        for (Member m : Session.leaderFirst(view)) {
            RestClient.Response r;
            try {
                r = s.api().call(m.apiUrl(), "DELETE", "switchover", null, MemberActions.CALL_TIMEOUT);
            } catch (RestClient.Unreachable e) {
                refusals.add(m.name() + ": no answer (" + e.getMessage() + ")");
                continue;
            }
            if (r.ok()) {
                s.out().println("Success: " + r.body().strip());
                return 0;
            }
            if (r.status() == 404) {
                // Gone between the read and the request: it ran, or someone else cancelled it.
                throw CtlException.failed("Failed: " + r.body().strip());
            }
            s.out().println("Failed: member=" + m.name() + ", " + Session.refusal(r));
            refusals.add(m.name() + ": " + Session.refusal(r));
        }
        throw CtlException.failed("could not cancel the scheduled switchover: no member accepted the request"
                + (refusals.isEmpty() ? " (no member publishes an api_url)" : " " + refusals));
    }
}
