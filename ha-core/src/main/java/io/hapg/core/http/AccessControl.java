package io.hapg.core.http;

import io.hapg.core.config.Credentials;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's {@code check_access} for unsafe methods, in its order: the allowlist (403
 * {@code Access is denied}), the client certificate when {@code verify_client} is
 * {@code optional} or {@code required} (403 {@code client certificate required}), then HTTP
 * Basic authentication (401 with {@code WWW-Authenticate: Basic realm="Patroni"}).
 */
final class AccessControl {
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    private final List<Network> allowlist;
    /** An allowlist was configured: even if none of its entries parsed, unsafe calls are restricted. */
    private final boolean restricted;
    private final boolean includeMembers;
    private final Optional<Credentials> credentials;
    private final boolean certificateRequired;

    AccessControl(RestApiConfig config) {
        this.allowlist = networks(config.allowlist());
        this.restricted = !config.allowlist().isEmpty();
        this.includeMembers = config.allowlistIncludeMembers();
        this.credentials = config.authentication();
        this.certificateRequired = config.tls() && config.verifyClient() != RestApiConfig.VerifyClient.NONE;
        if (restricted && allowlist.isEmpty()) {
            // Patroni would drop the bad entries and, with none left, let everyone in: an operator
            // who asked for an allowlist asked for fewer callers, never more.
            LOG.error("None of the {} entries of restapi.allowlist could be parsed or resolved: every unsafe "
                    + "request (POST, PUT, PATCH, DELETE) is refused with 403{}", config.allowlist().size(),
                    includeMembers ? " except from the members (allowlist_include_members)" : "");
        }
    }

    /**
     * Whether anyone who reaches the port may call the unsafe endpoints: no allowlist, no member
     * allowlist, no client certificate and no authentication (Patroni's default).
     */
    boolean unsafeOpen() {
        return !restricted && !includeMembers && !certificateRequired && credentials.isEmpty();
    }

    /**
     * The user name of a request whose HTTP Basic credentials match {@code restapi.authentication},
     * for the audit log; empty without authentication or when they do not match.
     */
    Optional<String> authenticatedUser(Request request) {
        if (credentials.isEmpty() || authenticate(request.authorization()).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(credentials.get().username());
    }

    /**
     * @param view         the latest cluster view, for {@code allowlist_include_members}
     * @param checkMembers false for {@code POST /failsafe}, which Patroni lets members call without
     *                     the member allowlist
     * @return the refusal, or empty when the request may proceed
     */
    Optional<Reply> check(Request request, Optional<ClusterView> view, boolean checkMembers) {
        boolean members = checkMembers && includeMembers;
        if (restricted || members) {
            boolean allowed = allowlist.stream().anyMatch(n -> n.contains(request.client()))
                    || members && memberNetworks(view).stream().anyMatch(n -> n.contains(request.client()));
            if (!allowed) {
                return Optional.of(Reply.text(403, "Access is denied"));
            }
        }
        if (certificateRequired && !request.clientCert()) {
            return Optional.of(Reply.text(403, "client certificate required"));
        }
        if (credentials.isPresent()) {
            Optional<String> reason = authenticate(request.authorization());
            if (reason.isPresent()) {
                return Optional.of(Reply.text(401, reason.get()).withHeader("WWW-Authenticate",
                        "Basic realm=\"Patroni\""));
            }
        }
        return Optional.empty();
    }

    private Optional<String> authenticate(Optional<String> header) {
        if (header.isEmpty()) {
            return Optional.of("no auth header received");
        }
        String value = header.get();
        if (!value.startsWith("Basic ")) {
            return Optional.of("not authenticated");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.of("not authenticated");
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        Credentials expected = credentials.get();
        // Both comparisons always run, in constant time, so timing reveals neither.
        boolean userOk = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
                expected.username().getBytes(StandardCharsets.UTF_8));
        boolean passwordOk = expected.password().matches(password);
        return userOk & passwordOk ? Optional.empty() : Optional.of("not authenticated");
    }

    /** The members' {@code api_url} hosts, resolved now (unsafe requests are rare; Patroni does the same). */
    private static List<Network> memberNetworks(Optional<ClusterView> view) {
        List<Network> networks = new ArrayList<>();
        for (Member m : view.map(v -> v.members().values()).orElse(List.of())) {
            try {
                String host = URI.create(m.apiUrl()).getHost();
                if (host != null) {
                    for (InetAddress a : InetAddress.getAllByName(strip(host))) {
                        networks.add(Network.of(a));
                    }
                }
            } catch (IllegalArgumentException | UnknownHostException e) {
                LOG.debug("cannot resolve member {} api_url {}: {}", m.name(), m.apiUrl(), e.toString());
            }
        }
        return networks;
    }

    private static List<Network> networks(List<String> entries) {
        List<Network> networks = new ArrayList<>();
        for (String entry : entries) {
            try {
                if (entry.contains("/")) {
                    networks.add(Network.parse(entry));
                } else {
                    for (InetAddress a : InetAddress.getAllByName(strip(entry))) {
                        networks.add(Network.of(a));
                    }
                }
            } catch (IllegalArgumentException | UnknownHostException e) {
                LOG.error("Invalid value \"{}\" in restapi.allowlist: {}", entry, e.getMessage());
            }
        }
        return networks;
    }

    private static String strip(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** An IPv4 or IPv6 network: an address and a prefix length. */
    record Network(byte[] address, int prefix) {
        static Network of(InetAddress address) {
            return new Network(address.getAddress(), address.getAddress().length * 8);
        }

        /** {@code 10.0.0.0/8}, {@code ::1/128}; host bits may be set (Patroni's {@code strict=False}). */
        static Network parse(String cidr) {
            int slash = cidr.indexOf('/');
            String host = cidr.substring(0, slash).strip();
            int prefix;
            try {
                prefix = Integer.parseInt(cidr.substring(slash + 1).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + cidr);
            }
            if (!host.matches("[0-9a-fA-F:.\\[\\]]+")) {
                throw new IllegalArgumentException("not an IP network: " + cidr);
            }
            byte[] address;
            try {
                address = InetAddress.getByName(strip(host)).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP network: " + cidr);
            }
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("prefix length out of range in " + cidr);
            }
            return new Network(address, prefix);
        }

        boolean contains(InetAddress candidate) {
            byte[] other = candidate.getAddress();
            if (other.length != address.length) {
                other = mapped(other, address.length);
                if (other == null) {
                    return false;
                }
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (other[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (other[full] & mask) == (address[full] & mask);
        }

        /** An IPv4-mapped IPv6 address as IPv4, or IPv4 as mapped IPv6, to compare like with like. */
        private static byte[] mapped(byte[] other, int length) {
            if (other.length == 16 && length == 4) {
                for (int i = 0; i < 10; i++) {
                    if (other[i] != 0) {
                        return null;
                    }
                }
                if (other[10] != (byte) 0xFF || other[11] != (byte) 0xFF) {
                    return null;
                }
                return Arrays.copyOfRange(other, 12, 16);
            }
            if (other.length == 4 && length == 16) {
                byte[] v6 = new byte[16];
                v6[10] = (byte) 0xFF;
                v6[11] = (byte) 0xFF;
                System.arraycopy(other, 0, v6, 12, 4);
                return v6;
            }
            return null;
        }
    }
}
