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

    byte[] toJson(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a status document", e);
        }
    }

    /** No {@link NodeControl} was configured: mutating endpoints answer 503. */
    static final class ControlUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ControlUnavailable() {
            super("this node does not accept management requests (no NodeControl)", null, false, false);
        }
    }
}
