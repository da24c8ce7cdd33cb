package io.hapg.agent.ctl;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The hactl commands, their options and how many arguments (member names) each takes. */
enum Command {
    LIST("list", "", 0, 0, "List the members: role, state, timeline, lag",
            Option.value("format", "f", "pretty, json or tsv (default pretty)")),
    SWITCHOVER("switchover", "", 0, 0, "Hand the leader role over to a replica (planned)",
            Option.value("leader", null, "the current leader (checked; default: the current leader)"),
            Option.value("primary", null, "same as --leader"),
            Option.value("candidate", null, "the member to promote (default: the healthiest replica)"),
            Option.value("scheduled", null, "when: ISO 8601, e.g. 2026-05-01T03:00+02:00 (default now)"),
            Option.flag("force", null, "accepted for patronictl compatibility: hactl never asks")),
    FAILOVER("failover", "", 0, 0, "Promote a named replica (manual failover)",
            Option.value("candidate", null, "the member to promote (required)"),
            Option.flag("force", null, "accepted for patronictl compatibility: hactl never asks")),
    PAUSE("pause", "", 0, 0, "Maintenance mode: the agents stop promoting, demoting, starting and stopping",
            Option.flag("wait", null, "wait until every member reports the pause")),
    RESUME("resume", "", 0, 0, "Leave maintenance mode",
            Option.flag("wait", null, "wait until every member reports the end of the pause")),
    HISTORY("history", "", 0, 0, "The timeline history: failovers and switchovers",
            Option.value("format", "f", "pretty, json or tsv (default pretty)")),
    SHOW_CONFIG("show-config", "", 0, 0, "The dynamic configuration stored in etcd, as YAML"),
    EDIT_CONFIG("edit-config", "", 0, 0, "Change the dynamic configuration (PATCH /config)",
            Option.repeated("set", "s", "KEY=VALUE: a dotted key and a YAML value (null deletes the key)"),
            Option.repeated("pg", "p", "NAME=VALUE: same as -s postgresql.parameters.NAME=VALUE"),
            Option.flag("quiet", "q", "do not print the changes"),
            Option.flag("force", null, "accepted for patronictl compatibility: hactl never asks")),
    RESTART("restart", "[MEMBER...]", 0, Integer.MAX_VALUE, "Restart PostgreSQL on the members (default: all)",
            Option.value("role", "r", "only members with this role: leader, primary, replica or any"),
            Option.flag("pending", null, "only members with pending restart"),
            Option.value("scheduled", null, "when: ISO 8601 with a time zone (default now)"),
            Option.value("pg-version", null, "only if the running PostgreSQL is older than this"),
            Option.value("timeout", null, "fail over if the primary does not start within this time"),
            Option.flag("force", null, "accepted for patronictl compatibility: hactl never asks")),
    REINIT("reinit", "MEMBER...", 1, Integer.MAX_VALUE, "Wipe a replica and clone it again from the leader",
            Option.flag("force", null, "cancel a running task (e.g. a restart) and reinitialize anyway"),
            Option.flag("from-leader", null, "clone from the leader, not from another replica"),
            Option.flag("wait", null, "wait until the clone has finished"));

    /** One command-line option. */
    record Option(String longName, String shortName, boolean takesValue, boolean repeatable, String help) {
        static Option value(String longName, String shortName, String help) {
            return new Option(longName, shortName, true, false, help);
        }

        static Option flag(String longName, String shortName, String help) {
            return new Option(longName, shortName, false, false, help);
        }

        static Option repeated(String longName, String shortName, String help) {
            return new Option(longName, shortName, true, true, help);
        }

        /** {@code -s, --set VALUE} */
        String synopsis() {
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

    /** The option spelled {@code --name} or {@code -x}. */
    Optional<Option> option(String spelling) {
        for (Option o : options) {
            if (spelling.equals("--" + o.longName()) || o.shortName() != null && spelling.equals("-" + o.shortName())) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }
}
