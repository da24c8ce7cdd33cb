package io.hapg.agent.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The commands that change the dynamic configuration through {@code PATCH /config}: {@code pause}
 * ({@code {"pause": true}}), {@code resume} ({@code {"pause": null}}, as patronictl sends) and
 * {@code edit-config}. The patch goes to the leader's API, else to the next member that answers;
 * the first HTTP answer decides.
 */
final class ConfigChanges {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigChanges() {
    }

    static int pause(Session s, CtlArgs args) {
        return togglePause(s, true, args.flag("wait"));
    }

    static int resume(Session s, CtlArgs args) {
        return togglePause(s, false, args.flag("wait"));
    }

    private static int togglePause(Session s, boolean paused, boolean wait) {
        ClusterView view = s.read();
        if (Session.config(view).pause() == paused) {
            throw CtlException.failed("Cluster is " + (paused ? "already" : "not") + " paused");
        }
        String verb = paused ? "pause" : "resume";
        Map<String, Object> patch = new HashMap<>();
        patch.put("pause", paused ? Boolean.TRUE : null);
        Answer answer = patch(s, view, patch);
        if (!answer.response().ok()) {
            throw CtlException.failed("Failed: " + verb + " cluster management via " + answer.member().name() + ", "
                    + Session.refusal(answer.response()));
        }
        if (wait) {
            s.out().println("'" + verb + "' request sent, waiting until it is recognized by all nodes");
            awaitPause(s, view, paused);
        }
        s.out().println("Success: cluster management is " + (paused ? "paused" : "resumed"));
        return 0;
    }

    /**
     * patronictl's {@code edit-config}: the stored config, then {@code --replace FILE} (the file
     * instead), {@code --apply FILE} (the file merged in), {@code -s}/{@code -p} settings, in that
     * order; with none of them, the config opens in {@code $EDITOR}. The change is shown as a
     * unified diff of the YAML and, after {@code Apply these changes?} (or {@code --force}), sent
     * as a merge patch to {@code PATCH /config}. A file read from standard input ({@code -}) is
     * applied only with {@code --force}, as patronictl does, since the question has no terminal.
     */
    static int editConfig(Session s, CtlArgs args) {
        ConfigPatch settings = ConfigPatch.parse(args.values("set"), args.values("pg"));
        ClusterView view = s.read();
        if (view.configUnreadable()) {
            throw CtlException.failed("The config key of the cluster " + s.scope() + " is unreadable (see the"
                    + " agents' logs); replace it with PUT /config");
        }
        if (view.config().isEmpty()) {
            throw CtlException.failed("The config key does not exist in the cluster " + s.scope());
        }
        Map<String, Object> before = view.config().get().raw();
        String beforeText = ConfigPatch.toYaml(before);
        Optional<String> replace = args.value("replace");
        Optional<String> apply = args.value("apply");
        Map<String, Object> after = ConfigPatch.deepCopy(before);
        String afterText = null;
        if (replace.isPresent()) {
            after = ConfigPatch.document(InputFile.read("edit-config", replace.get()), InputFile.describe(replace.get()));
        }
        if (apply.isPresent()) {
            ConfigPatch.merge(after, ConfigPatch.document(InputFile.read("edit-config", apply.get()), InputFile.describe(apply.get())));
        }
        if (!settings.settings().isEmpty()) {
            after = settings.applyTo(after);
        }
        if (replace.isEmpty() && apply.isEmpty() && settings.settings().isEmpty()) {
            afterText = ConfigEditor.edit(s, beforeText);
            after = ConfigPatch.document(afterText, "the edited configuration");
        }
        if (after.equals(before)) {
            if (!args.flag("quiet")) {
                s.out().println("Not changed");
            }
            return 0;
        }
        if (!args.flag("quiet")) {
            UnifiedDiff.of(beforeText.lines().toList(),
                    (afterText != null ? afterText : ConfigPatch.toYaml(after)).lines().toList())
                    .forEach(s.out()::println);
        }
        boolean force = args.flag("force");
        if (!force && (replace.filter("-"::equals).isPresent() || apply.filter("-"::equals).isPresent())) {
            s.out().println("Use --force option to apply changes");
            return 0;
        }
        if (!force && !s.confirmed("Apply these changes?", "Aborting edit-config")) {
            return 0;
        }
        Answer answer = patch(s, view, ConfigPatch.between(before, after));
        if (!answer.response().ok()) {
            throw CtlException.failed("Failed: edit-config via " + answer.member().name() + ", "
                    + Session.refusal(answer.response()));
        }
        s.out().println("Configuration changed");
        return 0;
    }

    private record Answer(Member member, RestClient.Response response) {
    }

    /** {@code PATCH /config} to the first member (leader first) that answers at all. */
    private static Answer patch(Session s, ClusterView view, Map<String, Object> patch) {
        List<String> unreachable = new ArrayList<>();
        String json = Format.toJson(patch);
        for (Member m : Session.leaderFirst(view)) {
            try {
                return new Answer(m, s.api().call(m.apiUrl(), "PATCH", "config", json, CALL_TIMEOUT));
            } catch (RestClient.Unreachable e) {
                unreachable.add(m.name() + ": " + e.getMessage());
            }
        }
        throw CtlException.failed("Can not find accessible cluster member"
                + (unreachable.isEmpty() ? " (no member publishes an api_url)" : ": " + unreachable));
    }

    /** Polls every member's {@code GET /patroni} until each reports the wanted pause state. */
    private static void awaitPause(Session s, ClusterView view, boolean paused) {
        Duration limit = Duration.ofSeconds(Math.max(30, 3 * Session.config(view).loopWait().toSeconds()));
        long deadline = System.nanoTime() + limit.toNanos();
        List<Member> pending = new ArrayList<>(Session.leaderFirst(view));
        while (!pending.isEmpty()) {
            pending.removeIf(m -> reportsPause(s, m).equals(Optional.of(paused)));
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw CtlException.failed("the " + (paused ? "pause" : "resume") + " was written, but after "
                        + limit.toSeconds() + " s these members do not report it yet: " + names(pending));
            }
            sleep(s.pollInterval());
        }
    }

    private static Optional<Boolean> reportsPause(Session s, Member m) {
        try {
            RestClient.Response r = s.api().call(m.apiUrl(), "GET", "patroni", null, Duration.ofSeconds(5));
            JsonNode doc = JSON.readTree(r.body());
            return doc == null || !doc.isObject() ? Optional.empty()
                    : Optional.of(doc.path("pause").asBoolean(false));
        } catch (RestClient.Unreachable | IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> names(List<Member> members) {
        List<String> names = new ArrayList<>();
        members.forEach(m -> names.add(m.name()));
        Collections.sort(names);
        return names;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CtlException.failed("interrupted");
        }
    }
}
