package io.hapg.agent.ctl;

import java.io.Console;
import java.util.Locale;
import java.util.Optional;

/**
 * patronictl's {@code click.confirm}: a yes/no question whose default is no, asked before
 * switchover, failover, a restart of every member and reinit, and skipped by {@code --force}.
 * Nobody to answer (standard input or output is not a terminal, or input ended) is a refusal with
 * a message that names {@code --force}, so a script never hangs on a question and never acts
 * without having said so.
 */
final class Confirmation {
    private final Terminal terminal;

    /** Where the answers come from. */
    interface Terminal {
        /** Shows {@code prompt} and reads one line; empty when nobody can answer. */
        Optional<String> readLine(String prompt);

        /** Shows {@code prompt} and reads one line without echoing it; empty when nobody can answer. */
        default Optional<String> readSecret(String prompt) {
            return readLine(prompt);
        }

        /** Shows a line (the re-ask after an answer that is neither yes nor no). */
        void println(String line);
    }

    Confirmation(Terminal terminal) {
        this.terminal = terminal;
    }

    /** The process's terminal ({@link System#console()}), or nobody when there is none. */
    static Confirmation console() {
        return new Confirmation(new Terminal() {
            @Override
            public Optional<String> readLine(String prompt) {
                Console c = System.console();
                return c == null ? Optional.empty() : Optional.ofNullable(c.readLine("%s", prompt));
            }

            @Override
            public Optional<String> readSecret(String prompt) {
                Console c = System.console();
                return c == null ? Optional.empty()
                        : Optional.ofNullable(c.readPassword("%s", prompt)).map(String::new);
            }

            @Override
            public void println(String line) {
                Console c = System.console();
                if (c != null) {
                    c.writer().println(line);
                }
            }
        });
    }

    /**
     * Asks {@code question} with {@code [y/N]} unless {@code force}; {@code y}/{@code yes} goes
     * ahead, {@code n}/{@code no} or an empty line refuses, anything else is asked again.
     *
     * @param abort the refusal's message, patronictl's ({@code Aborting switchover})
     * @throws CtlException (failed, exit 1) when the answer is no or nobody can answer
     */
    void ask(boolean force, String question, String abort) {
        if (!force && !confirmed(question, abort)) {
            throw CtlException.failed(abort);
        }
    }

    /**
     * Asks {@code question} with {@code [y/N]}: true for {@code y}/{@code yes}, false for
     * {@code n}/{@code no} or an empty line; anything else is asked again.
     *
     * @param abort the refusal's message when nobody can answer
     * @throws CtlException (failed, exit 1) when there is no terminal to ask
     */
    boolean confirmed(String question, String abort) {
        while (true) {
            Optional<String> answer = terminal.readLine(question + " [y/N]: ");
            if (answer.isEmpty()) {
                throw CtlException.failed(abort + ": \"" + question + "\" needs an answer, but there is no terminal"
                        + " to ask; give --force to go ahead without asking");
            }
            String a = answer.get().strip().toLowerCase(Locale.ROOT);
            if (a.equals("y") || a.equals("yes")) {
                return true;
            }
            if (a.isEmpty() || a.equals("n") || a.equals("no")) {
                return false;
            }
            terminal.println("Error: invalid input");
        }
    }

    /**
     * patronictl's {@code click.prompt}: shows {@code question} and returns the line typed, stripped.
     *
     * @param abort the refusal's message when nobody can answer
     * @throws CtlException (failed, exit 1) when there is no terminal to ask
     */
    String prompt(String question, String abort) {
        return terminal.readLine(question + ": ").map(String::strip).orElseThrow(() -> CtlException.failed(abort
                + ": \"" + question + "\" needs an answer, but there is no terminal to ask"));
    }

    /**
     * patronictl's {@code click.prompt(hide_input=True)}: shows {@code question}, reads a line
     * without echo, returns it as typed.
     *
     * @throws CtlException (failed, exit 1) when there is no terminal to ask
     */
    String secret(String question, String abort) {
        return terminal.readSecret(question + ": ").orElseThrow(() -> CtlException.failed(abort + ": \""
                + question + "\" needs an answer, but there is no terminal to ask"));
    }
}
