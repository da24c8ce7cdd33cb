package io.hapg.core.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ctl}: how this node calls the other members' REST APIs (the leader race's
 * {@code GET /patroni}, failsafe's {@code POST /failsafe}) and how hactl calls them, with
 * Patroni's fallbacks to the {@code restapi} section (its {@code PatroniRequest}): credentials
 * {@code ctl.authentication} else {@code restapi.authentication}; trusted CAs {@code ctl.cacert}
 * else {@code restapi.cafile}; the client certificate {@code ctl.certfile}/{@code keyfile}/
 * {@code keyfile_password} else the node's own {@code restapi} ones (what a cluster with
 * {@code verify_client: required} needs); {@code insecure: true} skips the server certificate check.
 *
 * @param authentication  {@code ctl.authentication}
 * @param cacert          {@code ctl.cacert}: PEM bundle of CAs to trust for {@code https} API URLs
 * @param certfile        {@code ctl.certfile}: client certificate (PEM)
 * @param keyfile         {@code ctl.keyfile}: its private key (PEM)
 * @param keyfilePassword {@code ctl.keyfile_password}
 * @param insecure        {@code ctl.insecure}: do not verify the servers' certificates
 */
public record CtlConfig(Optional<Credentials> authentication, Optional<Path> cacert, Optional<Path> certfile,
                        Optional<Path> keyfile, Optional<Secret> keyfilePassword, boolean insecure) {
    /** No {@code ctl} section: everything comes from {@code restapi}, certificates are verified. */
    public static final CtlConfig NONE = new CtlConfig(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), false);

    public CtlConfig {
        Objects.requireNonNull(authentication, "ctl.authentication");
        Objects.requireNonNull(cacert, "ctl.cacert");
        Objects.requireNonNull(certfile, "ctl.certfile");
        Objects.requireNonNull(keyfile, "ctl.keyfile");
        Objects.requireNonNull(keyfilePassword, "ctl.keyfile_password");
    }
}
