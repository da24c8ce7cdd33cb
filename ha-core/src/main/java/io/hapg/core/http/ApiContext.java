package io.hapg.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.spi.NodeStatus;
import io.hapg.core.spi.TimeSource;
import io.hapg.core.config.HaConfig;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** What every endpoint shares: the node's static config, the latest status, the clocks, the control. */
final class ApiContext {
    private final HaConfig config;
    private final TimeSource time;
    private final Optional<NodeControl> control;
    private final AtomicReference<NodeStatus> latest;
    private final String version;
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicReference<Document> document = new AtomicReference<>();

    ApiContext(HaConfig config, TimeSource time, Optional<NodeControl> control, AtomicReference<NodeStatus> latest,
               String version) {
        this.config = config;
        this.time = time;
        this.control = control;
        this.latest = latest;
        this.version = version;
    }

    HaConfig config() {
        return config;
    }

    TimeSource time() {
        return time;
    }

    ObjectMapper json() {
        return json;
    }

    /** The agent version as Patroni's {@code patroni.version} field carries it (semver digits). */
    String version() {
        return version;
    }

    /** The facts as of the latest loop iteration, judged at this instant; empty before the first. */
    Optional<Facts> facts() {
        NodeStatus status = latest.get();
        return status == null ? Optional.empty()
                : Optional.of(new Facts(status, config.bootstrapDcs(), config.tags(), time.nanoTime()));
    }

    /** @throws ControlUnavailable when the embedding code gave the API no {@link NodeControl} */
    NodeControl control() {
        return control.orElseThrow(ControlUnavailable::new);
    }

    /** The facts, or a 503 when the loop has not run yet. */
    Facts requireFacts() {
        return facts().orElseThrow(() -> new Request.BadRequest(503, "no status yet: the HA loop has not run"));
    }

    /**
     * The {@code /patroni} document, which every GET health check also sends, as JSON. It depends
     * on the loop's status only, never on the request's time, so it is serialised once per status
     * by the first request that needs it and then shared: a health check costs no JSON work.
     * Two requests racing on a new status may both serialise it; either copy is right.
     */
    byte[] patroniJson() {
        NodeStatus status = latest.get();
        if (status == null) {
            return toJson(StatusDocuments.starting(version, config.scope(), config.name()));
        }
        Document cached = document.get();
        if (cached == null || cached.status() != status) {
            Facts f = new Facts(status, config.bootstrapDcs(), config.tags(), time.nanoTime());
            cached = new Document(status, toJson(StatusDocuments.patroni(f, version)));
            document.set(cached);
        }
        return cached.json();
    }

    byte[] toJson(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a status document", e);
        }
    }

    /** One status and its serialised {@code /patroni} document (never modified once built). */
    private record Document(NodeStatus status, byte[] json) {
    }

    /** No {@link NodeControl} was configured: mutating endpoints answer 503. */
    static final class ControlUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ControlUnavailable() {
            super("this node does not accept management requests (no NodeControl)", null, false, false);
        }
    }
}
