package io.hapg.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code postgresql.callbacks}: commands run as {@code <cmd> <action> <role> <scope>},
 * asynchronously and one at a time (see PATRONI-REFERENCE §1.5).
 */
public record Callbacks(Optional<String> onStart, Optional<String> onStop, Optional<String> onRestart,
                        Optional<String> onReload, Optional<String> onRoleChange) {
    public static final Callbacks NONE = new Callbacks(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    public Callbacks {
        Objects.requireNonNull(onStart, "onStart");
        Objects.requireNonNull(onStop, "onStop");
        Objects.requireNonNull(onRestart, "onRestart");
        Objects.requireNonNull(onReload, "onReload");
        Objects.requireNonNull(onRoleChange, "onRoleChange");
    }

    /** The set callbacks keyed by Patroni's action name ({@code on_start}, ..., {@code on_role_change}). */
    public Map<String, String> asMap() {
        Map<String, String> out = new LinkedHashMap<>();
        onStart.ifPresent(c -> out.put("on_start", c));
        onStop.ifPresent(c -> out.put("on_stop", c));
        onRestart.ifPresent(c -> out.put("on_restart", c));
        onReload.ifPresent(c -> out.put("on_reload", c));
        onRoleChange.ifPresent(c -> out.put("on_role_change", c));
        return Collections.unmodifiableMap(out);
    }

    /** These callbacks, each unset one taken from {@code fallback}. */
    public Callbacks orElse(Callbacks fallback) {
        return new Callbacks(onStart.or(fallback::onStart), onStop.or(fallback::onStop),
                onRestart.or(fallback::onRestart), onReload.or(fallback::onReload),
                onRoleChange.or(fallback::onRoleChange));
    }

    public Callbacks withOnStart(String cmd) {
        return new Callbacks(Optional.of(cmd), onStop, onRestart, onReload, onRoleChange);
    }

    public Callbacks withOnStop(String cmd) {
        return new Callbacks(onStart, Optional.of(cmd), onRestart, onReload, onRoleChange);
    }

    public Callbacks withOnRestart(String cmd) {
        return new Callbacks(onStart, onStop, Optional.of(cmd), onReload, onRoleChange);
    }

    public Callbacks withOnReload(String cmd) {
        return new Callbacks(onStart, onStop, onRestart, Optional.of(cmd), onRoleChange);
    }

    public Callbacks withOnRoleChange(String cmd) {
        return new Callbacks(onStart, onStop, onRestart, onReload, Optional.of(cmd));
    }
}
