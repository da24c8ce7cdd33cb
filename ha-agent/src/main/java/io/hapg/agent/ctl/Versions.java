package io.hapg.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import io.hapg.core.model.Version;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * patronictl {@code version [CLUSTER [MEMBER...]]}: hactl's own version, then, when the cluster
 * (or members) are named, each member's agent and PostgreSQL versions from its
 * {@code GET /patroni} ({@code patroni.version}, {@code server_version}), as
 * {@code pg1: hapg 1.2.0 PostgreSQL 16.4}. A member that does not answer with that document is
 * printed as failed and the command exits 1.
 */
final class Versions {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Versions() {
    }

    /** {@code hactl version 1.2.0} (the number, as patronictl prints its own); needs no config. */
    static void own(PrintStream out) {
        out.println("hactl version " + Version.number());
    }

    /** Own version, then the named members' (default: all that publish an api_url), by name. */
    static int members(Session s, CtlArgs args) {
        own(s.out());
        s.out().println();
        ClusterView view = s.read();
        List<Member> members = new ArrayList<>();
        for (String n : args.arguments()) {
            members.add(s.member(view, n));
        }
        if (members.isEmpty()) {
            members.addAll(view.members().values());
        }
        members = members.stream().filter(m -> !m.apiUrl().isEmpty()).distinct()
                .sorted(Comparator.comparing(Member::name)).collect(Collectors.toList());
        List<String> failed = new ArrayList<>();
        for (Member m : members) {
            try {
                s.out().println(m.name() + ": " + describe(s, m));
            } catch (CtlException e) {
                s.out().println(m.name() + ": failed to get version: " + e.getMessage());
                failed.add(m.name());
            }
        }
        return MemberActions.outcome("version", failed, members.size());
    }

    private static String describe(Session s, Member m) {
        RestClient.Response r;
        try {
            r = s.api().call(m.apiUrl(), "GET", "patroni", null, CALL_TIMEOUT);
        } catch (RestClient.Unreachable e) {
            throw CtlException.failed("no answer (" + e.getMessage() + ")");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(r.body());
        } catch (IOException e) {
            doc = null;
        }
        // GET /patroni answers 503 with the full document while PostgreSQL is down: still a version.
        if (doc == null || !doc.path("patroni").path("version").isTextual()) {
            throw CtlException.failed(Session.refusal(r));
        }
        int pg = doc.path("server_version").asInt(0);
        return "hapg " + doc.path("patroni").path("version").asText() + (pg > 0 ? " PostgreSQL " + pgVersion(pg) : "");
    }

    /** patronictl's {@code format_pg_version}: 160004 is 16.4, 90624 is 9.6.24. */
    static String pgVersion(int version) {
        return version < 100000 ? version / 10000 + "." + version / 100 % 100 + "." + version % 100
                : version / 10000 + "." + version % 100;
    }
}
