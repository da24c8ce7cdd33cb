package io.hapg.agent.ctl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed hactl command line: {@code [-c CONFIG] COMMAND [options] [MEMBER...]}. The config
 * option may also follow the command; {@code --name=value} and {@code --name value} are both
 * accepted; {@code --} ends the options. Parsing never touches the network or the file system.
 *
 * @param config     the {@code -c} / {@code --config} file, if given
 * @param command    the command; empty with {@code help}
 * @param help       {@code -h} / {@code --help} was given (anywhere)
 * @param options    option values by long name; flags map to an empty list
 * @param arguments  the positional arguments: patronictl's cluster name, then member names
 */
record CtlArgs(Optional<String> config, Optional<Command> command, boolean help, Map<String, List<String>> options,
               List<String> arguments) {

    CtlArgs {
        options = Map.copyOf(options);
        arguments = List.copyOf(arguments);
    }

    /**
     * @throws CtlException (usage) naming the unknown command or option, a missing value, or a
     *                      wrong number of arguments
     */
    static CtlArgs parse(String... args) {
        Parser p = new Parser(args);
        while (p.i < args.length) {
            p.next();
        }
        if (p.command == null && !p.help) {
            throw CtlException.usage("no command given; the commands are " + words());
        }
        if (p.command != null && !p.help) {
            checkArity(p.command, p.arguments);
        }
        return new CtlArgs(Optional.ofNullable(p.config), Optional.ofNullable(p.command), p.help, p.options,
                p.arguments);
    }

    /** The state of one left-to-right pass over the words. */
    private static final class Parser {
        private final String[] args;
        private int i;
        private String config;
        private Command command;
        private boolean help;
        private boolean optionsEnded;
        private final Map<String, List<String>> options = new LinkedHashMap<>();
        private final List<String> arguments = new ArrayList<>();

        Parser(String[] args) {
            this.args = args;
        }

        /** Consumes the word at {@code i} (and its value, if it is an option that takes one). */
        void next() {
            String arg = args[i++];
            String name = arg.startsWith("--") && arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String inline = name.length() < arg.length() ? arg.substring(name.length() + 1) : null;
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positional(arg);
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else if (arg.equals("-h") || arg.equals("--help")) {
                help = true;
            } else if (name.equals("--config") || name.equals("-c") && !(command != null
                    && command.option("-c").isPresent())) {
                // After a command with its own -c (query's --command), -c is that command's, as in patronictl.
                config = inline != null ? inline : value(name, "");
            } else if (command == null) {
                throw CtlException.usage("unknown option '" + arg + "' before the command; only -c CONFIG goes there");
            } else {
                option(name, inline);
            }
        }

        private void positional(String arg) {
            if (command == null) {
                command = Command.byWord(arg).orElseThrow(() -> CtlException.usage("unknown command '" + arg
                        + "'" + Suggestion.didYouMean(arg, Command.words()) + "; the commands are " + words()));
            } else {
                arguments.add(arg);
            }
        }

        private void option(String name, String inline) {
            String word = command.word();
            Command.Option option = command.option(name).orElseThrow(() -> CtlException.usage(
                    word + ": unknown option '" + name + "'" + Suggestion.didYouMean(name, command.spellings())
                            + "; see: hactl " + word + " --help"));
            if (!option.takesValue() && inline != null) {
                throw CtlException.usage(word + ": option " + option.spelling() + " takes no value");
            }
            String value = !option.takesValue() ? null : inline != null ? inline : value(name, word + ": ");
            List<String> values = options.computeIfAbsent(option.longName(), k -> new ArrayList<>());
            if (!values.isEmpty() && !option.repeatable()) {
                throw CtlException.usage(word + ": option " + option.spelling() + " given twice");
            }
            if (value != null) {
                values.add(value);
            }
        }

        /** The word after an option that takes a value. */
        private String value(String name, String context) {
            if (i >= args.length || args[i].startsWith("-") && args[i].length() > 1) {
                throw CtlException.usage(context + "option " + name + " needs a value");
            }
            return args[i++];
        }
    }

    boolean flag(String longName) {
        return options.containsKey(longName);
    }

    Optional<String> value(String longName) {
        List<String> values = options.getOrDefault(longName, List.of());
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    List<String> values(String longName) {
        return options.getOrDefault(longName, List.of());
    }

    /**
     * These arguments without patronictl's leading cluster name ({@code hactl switchover batman}),
     * which must be {@code scope}: hactl acts on the cluster of its config file. For restart and
     * reinit a first argument other than the scope is a member name, hactl's own form.
     *
     * @throws CtlException (usage) naming both clusters when they differ, or when only the cluster
     *                      was given to a command that needs members
     */
    CtlArgs forCluster(String scope) {
        Command c = command.orElseThrow();
        if (arguments.isEmpty() || c.takesMembers() && !arguments.get(0).equals(scope)) {
            return this;
        }
        String named = arguments.get(0);
        if (!named.equals(scope)) {
            throw CtlException.usage(c.word() + ": cluster '" + named + "' is not the configured cluster '" + scope
                    + "' (hactl acts on the scope of its config file)");
        }
        List<String> rest = arguments.subList(1, arguments.size());
        if (c.takesMembers()) {
            // The others took the cluster as their one argument: it counted at parse time.
            checkArity(c, rest);
        }
        return new CtlArgs(config, command, help, options, rest);
    }

    private static void checkArity(Command command, List<String> arguments) {
        if (arguments.size() < command.minArgs()) {
            throw CtlException.usage(command.word() + ": missing argument; usage: " + command.synopsis());
        }
        if (arguments.size() > command.maxArgs()) {
            throw CtlException.usage(command.word() + " takes at most one argument, the cluster, got '"
                    + String.join(" ", arguments) + "'; usage: " + command.synopsis());
        }
    }

    private static String words() {
        List<String> words = new ArrayList<>();
        for (Command c : Command.values()) {
            words.add(c.word());
        }
        return String.join(", ", words);
    }
}
