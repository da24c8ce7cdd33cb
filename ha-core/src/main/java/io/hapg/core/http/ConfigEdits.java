package io.hapg.core.http;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code GET|PATCH|PUT /config}: the dynamic configuration in the store. {@code PATCH} is a JSON
 * merge patch (Patroni's {@code patch_config}: {@code null} deletes a key, objects merge, other
 * values replace) written with compare-and-set against a fresh read. Unlike Patroni, a result
 * hapg could not run with (a bad value, {@code loop_wait + 2 * retry_timeout > ttl}) is refused
 * with 400 instead of being written and silently adjusted.
 */
final class ConfigEdits {
    private final ApiContext ctx;

    ConfigEdits(ApiContext ctx) {
        this.ctx = ctx;
    }

    /** {@code GET /config}: 502 when the store has no config key (Patroni). */
    Reply get() {
        Facts f = ctx.requireFacts();
        ClusterView view = f.status().cluster();
        return view.config().filter(c -> view.configRevision() != 0)
                .map(c -> Reply.json(200, ctx.toJson(c.raw()))).orElseGet(() -> Reply.text(502, "Bad Gateway"));
    }

    Reply patch(Request request) {
        Map<String, Object> patch = request.jsonObject(ctx.json(), false);
        ClusterView view = ctx.control().readCluster();
        if (view.config().isEmpty() && view.configRevision() != 0) {
            return Reply.text(503, "the config key in the store is unreadable; replace it with PUT /config");
        }
        if (view.config().isEmpty() || view.configRevision() == 0) {
            return Reply.text(503, "the cluster has no configuration in the store yet");
        }
        refuseManaged(patch);
        Map<String, Object> data = copy(view.config().get().raw());
        if (merge(data, patch)) {
            DynamicConfig config = validated(data);
            refuseStandbyOverPrimary(view, config);
            if (!ctx.control().writeConfig(view.configRevision(), config)) {
                return Reply.text(409, "Conflict: the configuration changed after it was read");
            }
        }
        return Reply.json(200, ctx.toJson(data));
    }

    Reply put(Request request) {
        Map<String, Object> data = request.jsonObject(ctx.json(), false);
        refuseManaged(data);
        DynamicConfig config = validated(data);
        refuseStandbyOverPrimary(ctx.control().readCluster(), config);
        if (!ctx.control().writeConfig(-1, config)) {
            return Reply.text(502, "Bad Gateway: the configuration was not written");
        }
        return Reply.json(200, ctx.toJson(data));
    }

    /**
     * A setting each node writes itself ({@code port}, {@code include}, ... in any case) set
     * through {@code postgresql.parameters} is refused rather than stored and ignored by every node.
     * Only what the request sets is checked, so a stored config that already has one stays editable.
     */
    private static void refuseManaged(Map<String, Object> request) {
        Object pg = request.get("postgresql");
        Object params = pg instanceof Map ? ((Map<?, ?>) pg).get("parameters") : null;
        if (params instanceof Map) {
            ((Map<?, ?>) params).forEach((name, value) -> {
                if (value != null && DynamicConfig.isManagedParameter(String.valueOf(name))) {
                    throw new Request.BadRequest(400, "invalid configuration: postgresql.parameters." + name
                            + " is managed by hapg on each node (from its own postgresql section); not settable here");
                }
            });
        }
    }

    /**
     * Patroni demotes a running primary when {@code standby_cluster} appears in its cluster's
     * configuration and makes it follow the remote cluster; hapg refuses that change (its Decider
     * would keep the primary running and ignore the section): the primary's writes since the remote
     * forked would be thrown away or need a rewind. Editing the section of a standby cluster, or
     * adding it before any leader runs as a primary, is allowed.
     */
    private static void refuseStandbyOverPrimary(ClusterView view, DynamicConfig config) {
        boolean wasStandby = view.config().flatMap(DynamicConfig::standbyCluster).isPresent();
        Optional<String> primary = view.leaderMember().filter(Member::isPrimaryRole).map(Member::name);
        if (config.standbyCluster().isPresent() && !wasStandby && primary.isPresent()) {
            throw new Request.BadRequest(400, "invalid configuration: standby_cluster: not supported by hapg on a"
                    + " running cluster: its leader " + primary.get() + " runs as a primary, and hapg does not demote"
                    + " it to follow another cluster; build the standby cluster anew instead");
        }
    }

    private static DynamicConfig validated(Map<String, Object> data) {
        DynamicConfig config;
        try {
            config = DynamicConfig.fromMap(data);
        } catch (IllegalArgumentException e) {
            throw new Request.BadRequest(400, "invalid configuration: " + e.getMessage());
        }
        Duration needed = config.loopWait().plus(config.retryTimeout().multipliedBy(2));
        if (needed.compareTo(config.ttl()) > 0) {
            throw new Request.BadRequest(400, "invalid configuration: loop_wait + 2 * retry_timeout must not exceed"
                    + " ttl, got loop_wait=" + config.loopWait().toSeconds() + ", retry_timeout="
                    + config.retryTimeout().toSeconds() + ", ttl=" + config.ttl().toSeconds());
        }
        return config;
    }

    /**
     * Patroni's {@code patch_config}: applies {@code patch} to {@code config} in place.
     *
     * @return whether anything changed
     */
    @SuppressWarnings("unchecked")
    static boolean merge(Map<String, Object> config, Map<String, Object> patch) {
        boolean changed = false;
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            String name = e.getKey();
            Object value = e.getValue();
            if (value == null) {
                if (config.remove(name) != null) {
                    changed = true;
                }
            } else if (config.containsKey(name)) {
                Object current = config.get(name);
                if (value instanceof Map && current instanceof Map) {
                    changed |= merge((Map<String, Object>) current, (Map<String, Object>) value);
                } else if (value instanceof Map || !Objects.equals(String.valueOf(current), String.valueOf(value))) {
                    config.put(name, value);
                    changed = true;
                }
            } else {
                config.put(name, value);
                changed = true;
            }
        }
        return changed;
    }

    /** A mutable deep copy (the model's maps are unmodifiable). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> copy(Map<String, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : map.entrySet()) {
            out.put(e.getKey(), copyValue(e.getValue()));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object copyValue(Object value) {
        if (value instanceof Map) {
            return copy((Map<String, ?>) value);
        }
        if (value instanceof List) {
            List<Object> list = new ArrayList<>();
            for (Object o : (List<Object>) value) {
                list.add(copyValue(o));
            }
            return list;
        }
        return value;
    }
}
