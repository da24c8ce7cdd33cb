package io.hapg.core.model;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One agent's published status: the JSON of Patroni's {@code members/<name>} key. It is
 * written on the agent's lease, so it disappears {@code ttl} after the agent dies.
 *
 * @param name            member name ({@code name} in the YAML), unique in the cluster
 * @param connUrl         {@code postgres://host:port/postgres}, how peers reach PostgreSQL
 * @param apiUrl          {@code http://host:8008/patroni}, how peers reach the agent
 * @param role            Patroni's wire role ({@code primary}, {@code replica}, ...); older
 *                        Patroni writes {@code master}
 * @param state           Patroni's PostgreSQL state ({@code running}, {@code stopped}, ...)
 * @param xlogLocation    the member's WAL position: write LSN on a primary, otherwise the larger
 *                        of received and replayed
 * @param receiveLsn      last WAL received (replicas)
 * @param replayLsn       last WAL replayed (replicas)
 * @param timeline        PostgreSQL timeline, 0 when unknown
 * @param replicationState {@code streaming} or {@code in archive recovery} (replicas)
 * @param tags            the member's tags
 * @param version         the agent's version string
 * @param pendingRestart  a changed PostgreSQL setting waits for a restart (Patroni writes
 *                        {@code pending_restart: true} only then)
 * @param scheduledRestart a restart scheduled on this member ({@code POST /restart} with a
 *                        {@code schedule}), Patroni's {@code scheduled_restart}
 */
public record Member(
        String name,
        String connUrl,
        String apiUrl,
        String role,
        String state,
        Optional<Lsn> xlogLocation,
        Optional<Lsn> receiveLsn,
        Optional<Lsn> replayLsn,
        int timeline,
        Optional<String> replicationState,
        Tags tags,
        String version,
        boolean pendingRestart,
        Optional<ScheduledRestart> scheduledRestart) {

    public static final String STATE_RUNNING = "running";

    public Member {
        Objects.requireNonNull(name, "name");
        connUrl = connUrl == null ? "" : connUrl;
        apiUrl = apiUrl == null ? "" : apiUrl;
        role = role == null ? "" : role;
        state = state == null ? "" : state;
        Objects.requireNonNull(xlogLocation, "xlogLocation");
        Objects.requireNonNull(receiveLsn, "receiveLsn");
        Objects.requireNonNull(replayLsn, "replayLsn");
        Objects.requireNonNull(replicationState, "replicationState");
        tags = tags == null ? Tags.NONE : tags;
        version = version == null ? "" : version;
        Objects.requireNonNull(scheduledRestart, "scheduledRestart");
    }

    /**
     * Patroni's {@code scheduled_restart} of a member key: when, and the conditions the request
     * set ({@code role}, {@code postgres_version}: restart only if the running version is older).
     */
    public record ScheduledRestart(Instant schedule, Optional<String> role, Optional<String> postgresVersion) {
        public ScheduledRestart {
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(postgresVersion, "postgresVersion");
        }

        /** Python's {@code isoformat()} of an aware time, as Patroni writes the schedule. */
        private static final java.time.format.DateTimeFormatter PYTHON_ISO =
                java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");

        /** The schedule as Patroni writes it in the member key, in UTC: {@code 2026-12-03T16:00:00+00:00}. */
        public String scheduleText() {
            return PYTHON_ISO.format(schedule.atOffset(java.time.ZoneOffset.UTC));
        }

        /**
         * Patroni's {@code scheduled_restart} object, fields in Patroni's order: {@code schedule},
         * then {@code role} and {@code postgres_version} when set. The member key and
         * {@code GET /patroni} both carry it.
         */
        public Map<String, Object> patroniFields() {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("schedule", scheduleText());
            role.ifPresent(v -> fields.put("role", v));
            postgresVersion.ifPresent(v -> fields.put("postgres_version", v));
            return fields;
        }

        /** As patronictl's {@code list} shows it: the schedule, and the version condition if any. */
        public String describe() {
            return scheduleText() + postgresVersion.map(v -> " if version < " + v).orElse("");
        }
    }

    /** A member without a scheduled restart. */
    public Member(String name, String connUrl, String apiUrl, String role, String state, Optional<Lsn> xlogLocation,
                  Optional<Lsn> receiveLsn, Optional<Lsn> replayLsn, int timeline, Optional<String> replicationState,
                  Tags tags, String version, boolean pendingRestart) {
        this(name, connUrl, apiUrl, role, state, xlogLocation, receiveLsn, replayLsn, timeline, replicationState,
                tags, version, pendingRestart, Optional.empty());
    }

    /** A member without a pending restart. */
    public Member(String name, String connUrl, String apiUrl, String role, String state, Optional<Lsn> xlogLocation,
                  Optional<Lsn> receiveLsn, Optional<Lsn> replayLsn, int timeline, Optional<String> replicationState,
                  Tags tags, String version) {
        this(name, connUrl, apiUrl, role, state, xlogLocation, receiveLsn, replayLsn, timeline, replicationState,
                tags, version, false);
    }

    /**
     * Patroni's {@code replication_state} of a member: {@code streaming} on a running replica
     * that follows a leader and has received WAL, {@code in archive recovery} on another running
     * replica, empty otherwise. The member key and {@code GET /patroni} both show it.
     */
    public static Optional<String> replicationState(LocalState local, DatabaseState db) {
        if (!db.isRunning() || !db.inRecovery()) {
            return Optional.empty();
        }
        return Optional.of(local.following().isPresent() && db.receiveLsn().isPresent()
                ? "streaming" : "in archive recovery");
    }

    /** A member known only by name and URLs (what a fresh agent publishes). */
    public static Member of(String name, String connUrl, String apiUrl) {
        return new Member(name, connUrl, apiUrl, Role.UNINITIALIZED.wireName(), "stopped", Optional.empty(),
                Optional.empty(), Optional.empty(), 0, Optional.empty(), Tags.NONE, "");
    }

    public boolean isRunning() {
        return STATE_RUNNING.equals(state);
    }

    /** True for {@code primary} and Patroni's legacy {@code master}. */
    public boolean isPrimaryRole() {
        return "primary".equals(role) || "master".equals(role);
    }

    /** The best known WAL position: xlog_location, else max(received, replayed). */
    public Optional<Lsn> walPosition() {
        if (xlogLocation.isPresent()) {
            return xlogLocation;
        }
        if (receiveLsn.isPresent() && replayLsn.isPresent()) {
            return Optional.of(Lsn.max(receiveLsn.get(), replayLsn.get()));
        }
        return receiveLsn.isPresent() ? receiveLsn : replayLsn;
    }

    public Member withState(String newRole, String newState) {
        return new Member(name, connUrl, apiUrl, newRole, newState, xlogLocation, receiveLsn, replayLsn, timeline,
                replicationState, tags, version, pendingRestart, scheduledRestart);
    }

    public Member withWal(Optional<Lsn> xlog, Optional<Lsn> receive, Optional<Lsn> replay, int newTimeline) {
        return new Member(name, connUrl, apiUrl, role, state, xlog, receive, replay, newTimeline, replicationState,
                tags, version, pendingRestart, scheduledRestart);
    }

    public Member withTags(Tags newTags) {
        return new Member(name, connUrl, apiUrl, role, state, xlogLocation, receiveLsn, replayLsn, timeline,
                replicationState, newTags, version, pendingRestart, scheduledRestart);
    }
}
