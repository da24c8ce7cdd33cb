package io.hapg.core.model;

/**
 * hapg's version, as members publish it ({@code version} in the member key, {@code /patroni})
 * and {@code hapg.jar version} prints it. Here rather than on the agent so that the REST API and
 * the agent, which both show it, do not depend on each other for it.
 */
public final class Version {
    /** The published name, {@code hapg-<number>}. */
    public static final String NAME = "hapg-0.1.0";

    private Version() {
    }

    /** The version number alone ({@code 0.1.0}), where Patroni shows its own number. */
    public static String number() {
        return NAME.substring(NAME.indexOf('-') + 1);
    }
}
