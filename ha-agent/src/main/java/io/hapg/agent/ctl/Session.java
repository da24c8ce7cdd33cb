package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Member;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What every hactl command works with: the cluster's scope, a way to read the cluster (one etcd
 * read per call), a way to call a member's REST API, and the output streams. Not thread-safe;
 * one command runs on the calling thread.
 */
final class Session {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private final String scope;
    private final Supplier<ClusterView> reader;
    private final MemberApi api;
    private final PrintStream out;
    private final Clock clock;
    private final Duration pollInterval;
    private final Confirmation confirmation;
    private final LongSupplier wipe;
    private final Map<String, String> env;

    /** A session that cannot delete the cluster's keys. */
    Session(String scope, Supplier<ClusterView> reader, MemberApi api, PrintStream out, Clock clock,
            Duration pollInterval, Confirmation confirmation) {
        this(scope, reader, api, out, clock, pollInterval, confirmation, () -> {
            throw new UnsupportedOperationException("this session cannot delete the cluster");
        });
    }

    /** A session in this process's environment. */
    Session(String scope, Supplier<ClusterView> reader, MemberApi api, PrintStream out, Clock clock,
            Duration pollInterval, Confirmation confirmation, LongSupplier wipe) {
        this(scope, reader, api, out, clock, pollInterval, confirmation, wipe, System.getenv());
    }

    /**
     * @param wipe deletes every key of the cluster in etcd and returns how many there were
     * @param env  the environment the commands read, as patronictl's do: {@code EDITOR} for
     *             {@code edit-config}, {@code PGUSER}/{@code PGPASSWORD}/{@code PGDATABASE} for {@code query}
     */
    Session(String scope, Supplier<ClusterView> reader, MemberApi api, PrintStream out, Clock clock,
            Duration pollInterval, Confirmation confirmation, LongSupplier wipe, Map<String, String> env) {
        this.scope = scope;
        this.env = Map.copyOf(env);
        this.wipe = wipe;
        this.confirmation = confirmation;
        this.reader = reader;
        this.api = api;
        this.out = out;
        this.clock = clock;
        this.pollInterval = pollInterval;
    }

    String scope() {
        return scope;
    }

    /** A fresh read of the cluster. */
    ClusterView read() {
        return reader.get();
    }

    PrintStream out() {
        return out;
    }

    Clock clock() {
        return clock;
    }

    MemberApi api() {
        return api;
    }

    /** patronictl's confirmation; see {@link Confirmation#ask}. */
    void confirm(boolean force, String question, String abort) {
        confirmation.ask(force, question, abort);
    }

    /** patronictl's typed answer; see {@link Confirmation#prompt}. */
    String prompt(String question, String abort) {
        return confirmation.prompt(question, abort);
    }

    /** An environment variable, when set and not empty. */
    Optional<String> env(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isEmpty());
    }

    /** patronictl's yes/no question without {@code --force}; see {@link Confirmation#confirmed}. */
    boolean confirmed(String question, String abort) {
        return confirmation.confirmed(question, abort);
    }

    /** A typed answer not echoed (a password); see {@link Confirmation#secret}. */
    String secret(String question, String abort) {
        return confirmation.secret(question, abort);
    }

    /** Deletes every key of the cluster in etcd; returns how many were deleted. */
    long deleteCluster() {
        return wipe.getAsLong();
    }

    /** How often {@code --wait} re-reads the cluster. */
    Duration pollInterval() {
        return pollInterval;
    }

    /** patronictl's {@code timestamp()}: local time with microseconds. */
    String timestamp() {
        return LocalDateTime.now(clock).format(STAMP);
    }

    static DynamicConfig config(ClusterView view) {
        return view.config().orElse(DynamicConfig.DEFAULTS);
    }

    /**
     * @throws CtlException (usage) naming the member and the cluster's members when it is unknown
     */
    Member member(ClusterView view, String name) {
        return view.member(name).orElseThrow(() -> CtlException.usage("member '" + name + "' is not in cluster '"
                + scope + "' (members: " + names(view) + ")"));
    }

    /** Members that publish an {@code api_url}: the leader first, then the others by name. */
    static List<Member> leaderFirst(ClusterView view) {
        List<Member> members = new ArrayList<>();
        view.leaderMember().filter(m -> !m.apiUrl().isEmpty()).ifPresent(members::add);
        view.members().values().stream().filter(m -> !view.isLeader(m.name()) && !m.apiUrl().isEmpty())
                .sorted(Comparator.comparing(Member::name)).forEach(members::add);
        return members;
    }

    static String names(ClusterView view) {
        return view.members().isEmpty() ? "none"
                : view.members().keySet().stream().sorted().collect(Collectors.joining(", "));
    }

    /** {@code "status code=412, (candidate does not exists)"} from a refused call. */
    static String refusal(RestClient.Response r) {
        return "status code=" + r.status() + ", (" + r.body().strip() + ")";
    }
}
