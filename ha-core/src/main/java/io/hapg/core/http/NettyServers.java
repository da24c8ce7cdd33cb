package io.hapg.core.http;

import java.io.IOException;

/**
 * The one place that names {@link NettyServer} to start it, so that {@link HttpApi} links without
 * Netty on the class path (Netty is an optional dependency of ha-core).
 */
final class NettyServers {
    private NettyServers() {
    }

    static ApiServer start(ServerSettings settings, Router router) throws IOException {
        return NettyServer.start(settings, router);
    }
}
