package io.hapg.agent.ctl;

/** The {@code --help} texts. */
final class Usage {
    private Usage() {
    }

    static String all() {
        StringBuilder b = new StringBuilder();
        b.append("usage: java -jar hapg.jar ctl -c CONFIG.yml COMMAND [options]\n\n");
        b.append("hactl reads the cluster from etcd (the config's etcd3, scope and namespace) and acts\n");
        b.append("through the members' REST API (credentials: ctl.authentication, else restapi.authentication).\n");
        b.append("Like patronictl it asks before switchover, failover, restart of every member, reinit, reload\n");
        b.append("and flush restart; --force skips the question. CLUSTER, if given, must be the config's scope.\n\n");
        b.append("commands:\n");
        for (Command c : Command.values()) {
            b.append(String.format("  %-36s %s%n", c.synopsis(), c.summary()));
        }
        b.append("\nexit codes: 0 done, 1 refused or failed, 2 bad usage\n");
        b.append("help on one command: java -jar hapg.jar ctl COMMAND --help\n");
        return b.toString();
    }

    static String of(Command c) {
        StringBuilder b = new StringBuilder();
        b.append("usage: java -jar hapg.jar ctl -c CONFIG.yml ").append(c.synopsis()).append("\n\n")
                .append(c.summary()).append("\n");
        if (!c.options().isEmpty()) {
            b.append("\noptions:\n");
            for (Command.Option o : c.options()) {
                b.append(String.format("  %-24s %s%n", o.synopsis(), o.help()));
            }
        }
        return b.toString();
    }
}
