package io.hapg.agent.ctl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The hactl commands, their options and how many arguments each takes: every command may start
 * with patronictl's cluster name ({@link CtlArgs#forCluster}); restart and reinit then take
 * member names.
 */
enum Command {
    LIST("list", "[CLUSTER]", 0, 1, "List the members: role, state, timeline, lag",
            Option.value("format", "f", "pretty, json, yaml or tsv (default pretty)"),
            Option.flag("extended", "e", "always show the Pending restart, Scheduled restart and Tags columns"),
            Option.flag("timestamp", "t", "print the time before the table"),
            Option.shortFlag("W", "watch: print the table again every 2 seconds until interrupted"),
            Option.value("watch", "w", "watch: print the table again every VALUE seconds until interrupted")),
    SWITCHOVER("switchover", "[CLUSTER]", 0, 1, "Hand the leader role over to a replica (planned)",
            Option.value("leader", null, "the current leader (checked; default: the current leader)"),
            Option.value("primary", null, "same as --leader"),
            Option.value("candidate", null, "the member to promote (default: the healthiest replica)"),
            Option.value("scheduled", null, "when: ISO 8601, e.g. 2026-05-01T03:00+02:00 (default now)"),
            Option.flag("force", null, "do not ask for confirmation")),
    FAILOVER("failover", "[CLUSTER]", 0, 1, "Promote a named replica (manual failover)",
            Option.value("candidate", null, "the member to promote (required)"),
            Option.flag("force", null, "do not ask for confirmation")),
    PAUSE("pause", "[CLUSTER]", 0, 1, "Maintenance mode: the agents stop promoting, demoting, starting and stopping",
            Option.flag("wait", null, "wait until every member reports the pause")),
    RESUME("resume", "[CLUSTER]", 0, 1, "Leave maintenance mode",
            Option.flag("wait", null, "wait until every member reports the end of the pause")),
    HISTORY("history", "[CLUSTER]", 0, 1, "The timeline history: failovers and switchovers",
            Option.value("format", "f", "pretty, json, yaml or tsv (default pretty)")),
    SHOW_CONFIG("show-config", "[CLUSTER]", 0, 1, "The dynamic configuration stored in etcd, as YAML"),
    EDIT_CONFIG("edit-config", "[CLUSTER]", 0, 1, "Change the dynamic configuration (PATCH /config); without"
            + " -s, -p, --apply or --replace it opens in $EDITOR",
            Option.repeated("set", "s", "KEY=VALUE: a dotted key and a YAML value (null deletes the key)"),
            Option.repeated("pg", "p", "NAME=VALUE: same as -s postgresql.parameters.NAME=VALUE"),
            Option.value("apply", null, "FILE: merge the settings of this YAML file in (- reads standard input)"),
            Option.value("replace", null, "FILE: replace the whole configuration with this YAML file (- reads"
                    + " standard input)"),
            Option.flag("quiet", "q", "do not print the changes"),
            Option.flag("force", null, "do not ask for confirmation")),
    RESTART("restart", "[CLUSTER] [MEMBER...]", 0, Integer.MAX_VALUE,
            "Restart PostgreSQL on the members (default: all, after a confirmation)",
            Option.value("role", "r", "only members with this role: leader, primary, replica or any"),
            Option.flag("pending", null, "only members with pending restart"),
            Option.value("scheduled", null, "when: ISO 8601 with a time zone (default now)"),
            Option.value("pg-version", null, "only if the running PostgreSQL is older than this"),
            Option.value("timeout", null, "fail over if the primary does not start within this time"),
            Option.flag("force", null, "do not ask for confirmation")),
    REINIT("reinit", "[CLUSTER] MEMBER...", 1, Integer.MAX_VALUE, "Wipe a replica and clone it again from the leader",
            Option.flag("force", null, "do not ask for confirmation; cancel a running task (e.g. a restart) and"
                    + " reinitialize anyway"),
            Option.flag("from-leader", null, "clone from the leader, not from another replica"),
            Option.flag("wait", null, "wait until the clone has finished")),
    RELOAD("reload", "[CLUSTER] [MEMBER...]", 0, Integer.MAX_VALUE,
            "Reload the agent's and PostgreSQL's configuration on the members (default: all)",
            Option.value("role", "r", "only members with this role: leader, primary, replica or any"),
            Option.flag("force", null, "do not ask for confirmation")),
    FLUSH("flush", "[CLUSTER] [MEMBER...] restart|switchover", 1, Integer.MAX_VALUE,
            "Cancel scheduled restarts on the members (default: all) or the scheduled switchover",
            Option.value("role", "r", "restart: only members with this role: leader, primary, replica or any"),
            Option.flag("force", null, "do not ask for confirmation")),
    TOPOLOGY("topology", "[CLUSTER]", 0, 1, "The member table as a tree: replicas under their upstream",
            Option.shortFlag("W", "watch: print the tree again every 2 seconds until interrupted"),
            Option.value("watch", "w", "watch: print the tree again every VALUE seconds until interrupted")),
    DSN("dsn", "[CLUSTER]", 0, 1, "The libpq connection string (host=... port=...) of the leader or a member",
            Option.value("role", "r", "a member with this role: leader, primary, replica or any (default leader)"),
            Option.value("member", "m", "this member")),
    QUERY("query", "[CLUSTER]", 0, 1, "Run SQL on the leader or a member and print the rows",
            Option.value("command", "c", "the SQL to run (the last statement's rows are printed)"),
            Option.value("file", "f", "run the SQL in this file (- reads standard input)"),
            Option.value("format", null, "tsv (default), pretty, json or yaml"),
            Option.value("delimiter", null, "the column delimiter of tsv (default a tab)"),
            Option.value("username", "U", "the database user (default $PGUSER, else the OS user)"),
            Option.flag("password", null, "ask for the password (default $PGPASSWORD, else the pgpass file)"),
            Option.value("dbname", "d", "the database (default $PGDATABASE, else the user's name)"),
            Option.value("role", "r", "a member with this role: leader, primary, replica or any (default leader)"),
            Option.value("member", "m", "this member"),
            Option.shortFlag("W", "watch: run again every 2 seconds until interrupted"),
            Option.value("watch", "w", "watch: run again every VALUE seconds until interrupted")),
    VERSION("version", "[CLUSTER [MEMBER...]]", 0, Integer.MAX_VALUE,
            "hactl's version; with the cluster named, each member's agent and PostgreSQL versions"),
    REMOVE("remove", "CLUSTER", 1, 1, "Delete the cluster's keys from etcd (after typing the cluster name, then"
            + " \"Yes I am aware\"); stop the agents first"),
    COMPLETION("completion", "[bash]", 0, 1,
            "Print a bash completion script for hapg and hactl: source <(hapg ctl completion)");

    /**
     * One command-line option. A short-only option (patronictl's {@code -W}) is keyed by its
     * short name: {@code longName} equals {@code shortName} and there is no {@code --} spelling.
     */
    record Option(String longName, String shortName, boolean takesValue, boolean repeatable, String help) {
        static Option value(String longName, String shortName, String help) {
            return new Option(longName, shortName, true, false, help);
        }

        static Option flag(String longName, String shortName, String help) {
            return new Option(longName, shortName, false, false, help);
        }

        /** A flag spelled only {@code -x}. */
        static Option shortFlag(String shortName, String help) {
            return new Option(shortName, shortName, false, false, help);
        }

        static Option repeated(String longName, String shortName, String help) {
            return new Option(longName, shortName, true, true, help);
        }

        boolean shortOnly() {
            return longName.equals(shortName);
        }

        /** How messages name it: {@code --set}, or {@code -W} for a short-only option. */
        String spelling() {
            return shortOnly() ? "-" + shortName : "--" + longName;
        }

        /** {@code -s, --set VALUE} */
        String synopsis() {
            if (shortOnly()) {
                return "-" + shortName;
            }
            return (shortName == null ? "    " : "-" + shortName + ", ") + "--" + longName
                    + (takesValue ? " VALUE" : "");
        }
    }

    private final String word;
    private final String arguments;
    private final int minArgs;
    private final int maxArgs;
    private final String summary;
    private final List<Option> options;

    Command(String word, String arguments, int minArgs, int maxArgs, String summary, Option... options) {
        this.word = word;
        this.arguments = arguments;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
        this.summary = summary;
        this.options = List.of(options);
    }

    /** The word typed on the command line, e.g. {@code show-config}. */
    String word() {
        return word;
    }

    String summary() {
        return summary;
    }

    List<Option> options() {
        return options;
    }

    int minArgs() {
        return minArgs;
    }

    int maxArgs() {
        return maxArgs;
    }

    /** Whether the arguments after the cluster name are member names. */
    boolean takesMembers() {
        return maxArgs > 1;
    }

    /** {@code restart [MEMBER...]}. */
    String synopsis() {
        return word + (options.isEmpty() ? "" : " [options]") + (arguments.isEmpty() ? "" : " " + arguments);
    }

    static Optional<Command> byWord(String word) {
        for (Command c : values()) {
            if (c.word.equals(word.toLowerCase(Locale.ROOT))) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Every command's word, in the order of the usage text. */
    static List<String> words() {
        return Arrays.stream(values()).map(Command::word).collect(Collectors.toList());
    }

    /** Every spelling of this command's options: {@code --name} and {@code -x}. */
    List<String> spellings() {
        List<String> spellings = new ArrayList<>();
        for (Option o : options) {
            if (!o.shortOnly()) {
                spellings.add("--" + o.longName());
            }
            if (o.shortName() != null) {
                spellings.add("-" + o.shortName());
            }
        }
        return spellings;
    }

    /** The option spelled {@code --name} or {@code -x}. */
    Optional<Option> option(String spelling) {
        for (Option o : options) {
            if (!o.shortOnly() && spelling.equals("--" + o.longName()) || o.shortName() != null && spelling.equals("-" + o.shortName())) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }
}
