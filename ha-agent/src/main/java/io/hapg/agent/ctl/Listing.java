package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Optional;

/**
 * The read-only commands: {@code list}, {@code topology}, {@code dsn}, {@code history},
 * {@code show-config}. They only read etcd.
 */
final class Listing {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");
    /** patronictl's {@code -W}. */
    private static final Duration DEFAULT_WATCH = Duration.ofSeconds(2);
    /** click's {@code clear()}: cursor home, erase the screen. */
    private static final String CLEAR = "\033[H\033[2J";

    private Listing() {
    }

    /**
     * patronictl {@code list [-f FORMAT] [-e] [-t] [-W | -w SECONDS]}: the member table, with
     * {@code -t} the local time (to the second) on the line before, and with a watch option
     * again and again until interrupted (the screen is cleared first when there is a terminal).
     */
    static int list(Session s, CtlArgs args) {
        Format format = Format.parse(args.value("format").orElse("pretty"));
        boolean extended = args.flag("extended");
        return watch(s, args, () -> {
            if (args.flag("timestamp")) {
                s.out().println(LocalDateTime.now(s.clock()).format(SECONDS));
            }
            s.out().print(new ClusterTable(s.scope(), s.read(), extended, false).render(format));
        });
    }

    /** patronictl {@code topology [-W | -w SECONDS]}: {@code list} as a tree (see {@link Topology}). */
    static int topology(Session s, CtlArgs args) {
        return watch(s, args, () -> s.out().print(new ClusterTable(s.scope(), s.read(), false, true)
                .render(Format.PRETTY)));
    }

    /** Prints once, or with {@code -W} / {@code -w SECONDS} forever (until interrupted or a read fails). */
    private static int watch(Session s, CtlArgs args, Runnable print) {
        Optional<Duration> every = watchInterval(args);
        boolean clear = every.isPresent() && System.console() != null;
        do {
            if (clear) {
                s.out().print(CLEAR);
            }
            print.run();
            every.ifPresent(ConfigChanges::sleep);
        } while (every.isPresent());
        return 0;
    }

    static Optional<Duration> watchInterval(CtlArgs args) {
        Optional<String> seconds = args.value("watch");
        if (seconds.isEmpty()) {
            return args.flag("W") ? Optional.of(DEFAULT_WATCH) : Optional.empty();
        }
        try {
            double value = Double.parseDouble(seconds.get());
            if (value > 0 && value <= Duration.ofDays(1).toSeconds()) {
                return Optional.of(Duration.ofMillis((long) Math.ceil(value * 1000)));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw CtlException.usage(args.command().orElseThrow().word() + ": --watch wants seconds (e.g. 2 or 0.5),"
                + " got '" + seconds.get() + "'");
    }

    /**
     * patronictl {@code dsn [--role ROLE | --member NAME]}: {@code host=H port=P} from the
     * member's {@code conn_url} (port 5432 when it has none); the leader by default, else the
     * named member or the first member (by name) with the role.
     *
     * @throws CtlException (usage) for both options, a bad role or an unknown member; (failed)
     *                      when no member has the role or the member publishes no usable conn_url
     */
    static int dsn(Session s, CtlArgs args) {
        Optional<Member> m = chosen(s, s.read(), args, "dsn");
        URI url = address(m.orElseThrow(() -> CtlException.failed("Can not find a suitable member")));
        s.out().println("host=" + url.getHost() + " port=" + (url.getPort() > 0 ? url.getPort() : 5432));
        return 0;
    }

    /**
     * patronictl's {@code get_any_member} for {@code --role}/{@code --member}: the named member,
     * else the first by name with the role ({@code leader}, the default; {@code primary} is the
     * leader too; {@code replica} any other member; {@code any}).
     *
     * @throws CtlException (usage) when both are given, the role is unknown or the member is not in the cluster
     */
    static Optional<Member> chosen(Session s, ClusterView view, CtlArgs args, String command) {
        if (args.value("role").isPresent() && args.value("member").isPresent()) {
            throw CtlException.usage(command + ": --role and --member are mutually exclusive options");
        }
        if (args.value("member").isPresent()) {
            return Optional.of(s.member(view, args.value("member").get()));
        }
        String role = args.value("role").isPresent() ? MemberActions.role(args, command) : "leader";
        boolean leader = !role.equals("any") && !role.equals("replica");
        boolean any = role.equals("any");
        return view.members().values().stream().sorted(Comparator.comparing(Member::name))
                .filter(c -> any || view.isLeader(c.name()) == leader).findFirst();
    }

    /** The member's {@code conn_url}, which must name a host. */
    static URI address(Member m) {
        URI url;
        try {
            url = URI.create(m.connUrl());
        } catch (IllegalArgumentException e) {
            url = null;
        }
        if (url == null || url.getHost() == null) {
            throw CtlException.failed("member " + m.name() + " publishes no usable conn_url ('" + m.connUrl() + "')");
        }
        return url;
    }

    static int history(Session s, CtlArgs args) {
        Format format = Format.parse(args.value("format").orElse("pretty"));
        s.out().print(HistoryTable.render(s.read().history(), format));
        return 0;
    }

    /** The {@code config} key as YAML; a cluster without one is an error (nothing was bootstrapped yet). */
    static int showConfig(Session s, CtlArgs args) {
        ClusterView view = s.read();
        if (view.config().isEmpty()) {
            throw CtlException.failed("the config key does not exist in the cluster " + s.scope());
        }
        s.out().print(ConfigPatch.toYaml(view.config().get().raw()));
        return 0;
    }
}
