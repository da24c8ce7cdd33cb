package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;

/**
 * patronictl {@code remove CLUSTER}: after the member table and patronictl's typed
 * confirmations (the cluster name, then {@code Yes I am aware}, then, while a leader holds the
 * key, the leader's name) it deletes every key under the cluster's prefix in etcd. It has no
 * {@code --force}: without a terminal to type into it is refused. Agents that still run write
 * their keys again (and an agent that finds no {@code initialize} key beside a data directory
 * will not bootstrap over it), so the agents are stopped first.
 */
final class Remove {
    static final String AWARE = "Yes I am aware";

    private Remove() {
    }

    /** @throws CtlException (failed) when an answer does not match or nobody can answer */
    static int remove(Session s) {
        ClusterView view = s.read();
        s.out().print(new ClusterTable(s.scope(), view).render(Format.PRETTY));
        String abort = "Aborted remove";
        if (!s.prompt("Please confirm the cluster name to remove", abort).equals(s.scope())) {
            throw CtlException.failed("Cluster names specified do not match");
        }
        String aware = s.prompt("You are about to remove all information in DCS for " + s.scope()
                + ", please type: \"" + AWARE + "\"", abort);
        if (!aware.equals(AWARE)) {
            throw CtlException.failed("You did not exactly type \"" + AWARE + "\"");
        }
        if (view.leader().isPresent()) {
            String leader = view.leader().get().name();
            if (!s.prompt("This cluster currently is healthy. Please specify the leader name to continue", abort)
                    .equals(leader)) {
                throw CtlException.failed("You did not specify the current leader of the cluster");
            }
        }
        long deleted = s.deleteCluster();
        s.out().println("Removed cluster " + s.scope() + " from etcd (" + deleted + " key" + (deleted == 1 ? "" : "s")
                + ")");
        return 0;
    }
}
