package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;

/** The read-only commands: {@code list}, {@code history}, {@code show-config}. They only read etcd. */
final class Listing {
    private Listing() {
    }

    static int list(Session s, CtlArgs args) {
        Format format = Format.parse(args.value("format").orElse("pretty"));
        s.out().print(new ClusterTable(s.scope(), s.read()).render(format));
        return 0;
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
