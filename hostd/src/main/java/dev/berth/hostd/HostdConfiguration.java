package dev.berth.hostd;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.List;

/** hostd's configuration file (see {@code config/hostd-dev.yml}). Every field has a working default. */
public class HostdConfiguration extends Configuration {

    /** Prefix of every host object hostd creates (containers, netns); the orphan sweep only touches these. */
    @NotEmpty
    @JsonProperty
    public String namePrefix = "berth";

    /** Specs, site content, rootfs and the own nginx prefix live here. */
    @NotEmpty
    @JsonProperty
    public String dataDirectory = "/var/lib/berth-hostd";

    /** Volatile state: runc's state directory and the container bundles. */
    @NotEmpty
    @JsonProperty
    public String runDirectory = "/run/berth-hostd";

    @Valid
    @NotNull
    @JsonProperty
    public NetworkSettings network = new NetworkSettings();

    @Valid
    @NotNull
    @JsonProperty
    public RuntimeSettings runtime = new RuntimeSettings();

    @Valid
    @NotNull
    @JsonProperty
    public ProxySettings proxy = new ProxySettings();

    @Valid
    @NotNull
    @JsonProperty
    public ContentSettings content = new ContentSettings();

    @Valid
    @NotNull
    @JsonProperty
    public DnsSettings dns = new DnsSettings();

    @Valid
    @NotNull
    @JsonProperty
    public TlsSettings tls = new TlsSettings();

    /** Seconds between full reconciles (every site converged, orphans removed). */
    @Min(1)
    @JsonProperty
    public int reconcileIntervalSeconds = 30;

    /** Milliseconds between checks that running containers are alive. */
    @Min(100)
    @JsonProperty
    public int monitorIntervalMillis = 1000;

    @Min(1)
    @Max(16)
    @JsonProperty
    public int reconcileThreads = 2;

    /**
     * With several nodes: serve no site (503) once no API replica has reached this node for this
     * many seconds, so that a node cut off from the API stops before the API serves its sites from
     * other nodes; keep it below the API's {@code host.nodeLostAfterSeconds} (30). 0 (the default,
     * a single node): never.
     */
    @Min(0)
    @Max(86_400)
    @JsonProperty
    public int fenceAfterSeconds = 0;

    /** Site builds ({@code POST /v1/sites/{id}/builds}). */
    @JsonProperty
    public BuildSettings builds = new BuildSettings();

    public static class BuildSettings {
        /** Builds that run at once on this host; more wait for a slot. */
        @JsonProperty
        public int concurrent = 2;
    }

    public static class NetworkSettings {
        @NotEmpty
        @JsonProperty
        public String bridge = dev.berth.hostprotocol.net.BridgePlan.DEFAULT_BRIDGE;
        /** The bridge's IPv4 address with the sites' prefix length. */
        @NotEmpty
        @JsonProperty
        public String bridgeIpv4 = dev.berth.hostprotocol.net.BridgePlan.DEFAULT_IPV4;
        /** The bridge's IPv6 (ULA) address with the sites' prefix length. */
        @NotEmpty
        @JsonProperty
        public String bridgeIpv6 = dev.berth.hostprotocol.net.BridgePlan.DEFAULT_IPV6;
        /**
         * Splits the sites' IPv4 subnet into bridges of this prefix length (a bridge holds at most
         * 1,024 ports): e.g. a /21 with 22 gives two bridges, {@code BRIDGE} and {@code BRIDGE-1}.
         * Empty: one bridge for the whole subnet. hostd reports the plan in {@code GET /v1/host}; the
         * API hands out addresses from it, so it never hands out a bridge's own address.
         */
        @JsonProperty
        public Integer bridgePrefixLength;
        @NotEmpty
        @JsonProperty
        public String cniPluginDirectory = "/usr/lib/cni";
        @NotEmpty
        @JsonProperty
        public String ip = "/usr/sbin/ip";
        @NotEmpty
        @JsonProperty
        public String nft = "/usr/sbin/nft";
    }

    public static class RuntimeSettings {
        @NotEmpty
        @JsonProperty
        public String runc = "/usr/sbin/runc";
        /** lighttpd (Debian's package), the web server of every site container (runtime/SiteServer). */
        @NotEmpty
        @JsonProperty
        public String server = "/usr/sbin/lighttpd";
        /** ldd (Debian's libc-bin), which names the shared libraries the server's root file system needs. */
        @NotEmpty
        @JsonProperty
        public String ldd = "/usr/bin/ldd";
        @NotEmpty
        @JsonProperty
        public String cgroupMount = "/sys/fs/cgroup";
        /** Directory under each cgroup hierarchy holding this hostd's tenants. */
        @NotEmpty
        @JsonProperty
        public String cgroupRoot = "berth";
        /** First host uid/gid of the per-site ranges; site N (its IPv4 offset) gets base + N * idsPerSite. */
        @Min(65536)
        @JsonProperty
        public long hostIdBase = 100_000;
        @Min(2000)
        @JsonProperty
        public int idsPerSite = 65_536;
        /**
         * Site containers kept started, attached and unassigned, claimed by a site when it is
         * created or started (runtime/WarmPool); 0 turns the pool off. Only on cgroup v1 hosts.
         */
        @Min(0)
        @Max(64)
        @JsonProperty
        public int warmPoolSize = 4;
    }

    public static class ProxySettings {
        @NotEmpty
        @JsonProperty
        public String nginx = "/usr/sbin/nginx";
        /** True: run an own nginx under dataDirectory/nginx (development). False: manage sitesDirectory of the system nginx. */
        @JsonProperty
        public boolean manageInstance = true;
        /** With manageInstance=false: the include directory of the system nginx. */
        @JsonProperty
        public String sitesDirectory;
        @NotNull
        @JsonProperty
        public List<String> listen = List.of("80", "[::]:80");
        @NotEmpty
        @JsonProperty
        public String workerUser = "www-data";
    }

    /** The site records: provider {@code none} (development, {@code *.localhost}) or {@code rfc2136}. */
    public static class DnsSettings {
        @NotEmpty
        @JsonProperty
        public String provider = "none";
        /** rfc2136: the zone's primary as HOST:PORT (IPv6 in brackets). */
        @JsonProperty
        public String server = "127.0.0.1:53";
        /** rfc2136: the platform zone; site hostnames inside it get A/AAAA records. */
        @JsonProperty
        public String zone;
        @JsonProperty
        public String keyName;
        @JsonProperty
        public String keyAlgorithm = "hmac-sha256";
        /** The TSIG secret (base64); prefer keySecretFile so the secret stays out of the config. */
        @JsonProperty
        public String keySecret;
        /** A file holding the base64 secret (e.g. mode 0600, owned by root). */
        @JsonProperty
        public String keySecretFile;
        /** The host's public addresses (IPv4 and IPv6) every site name points at. */
        @NotNull
        @JsonProperty
        public List<String> publicAddresses = List.of();
        @Min(1)
        @JsonProperty
        public long ttlSeconds = 60;
        @Min(50)
        @JsonProperty
        public long timeoutMillis = 2000;
        @Min(1)
        @JsonProperty
        public int attempts = 4;
        @Min(1)
        @JsonProperty
        public long firstRetryDelayMillis = 200;
    }

    /** HTTPS with ACME certificates; the platform wildcard needs dns.provider rfc2136 (DNS-01). */
    public static class TlsSettings {
        @JsonProperty
        public boolean enabled = false;
        /** The CA's ACME directory: Let's Encrypt, its staging, or Pebble in tests. */
        @JsonProperty
        public String directoryUrl = "https://acme-staging-v02.api.letsencrypt.org/directory";
        /** PEM of the CA that signs the ACME server's own TLS certificate (private CA, Pebble); empty: the JDK's. */
        @JsonProperty
        public String trustedCaFile;
        @JsonProperty
        public String email;
        /**
         * Who obtains the certificates: {@code api} (the default), the API, which has one node
         * order each certificate ({@code /v1/acme}), stores it and installs it on every node that
         * serves its names; {@code local}, this hostd on its own (no API, or its host tests).
         */
        @NotNull
        @jakarta.validation.constraints.Pattern(regexp = "api|local", message = "must be api or local")
        @JsonProperty
        public String issuance = "api";
        /** The platform domain; its wildcard and apex get one certificate. Default: dns.zone. */
        @JsonProperty
        public String domain;
        /** nginx TLS listen addresses. */
        @NotNull
        @JsonProperty
        public List<String> listen = List.of("443", "[::]:443");
        /** Strict-Transport-Security max-age of every HTTPS answer (one year); 0 sends no header. */
        @Min(0)
        @JsonProperty
        public long hstsMaxAgeSeconds = 31_536_000;
        @Min(1)
        @JsonProperty
        public long checkIntervalSeconds = 3600;
        @Min(1)
        @JsonProperty
        public long firstRetryDelaySeconds = 60;
        @Min(1)
        @JsonProperty
        public long maxRetryDelaySeconds = 6 * 3600;
        @Min(1)
        @JsonProperty
        public long timeoutSeconds = 120;
    }

    public static class ContentSettings {
        @Min(1)
        @JsonProperty
        public int maxEntries = 20_000;
        @Min(1)
        @JsonProperty
        public long maxTotalBytes = 512L * 1024 * 1024;
        @Min(1)
        @JsonProperty
        public int keepReleases = 5;
        /**
         * A site's disk ceiling: the bytes of every release it keeps (a new one included); an
         * install over it is refused (422, problem {@code disk-ceiling}). The API bounds a tenant's
         * sites together with its quota's diskMib; this bounds one site on this host whatever asks.
         */
        @Min(1)
        @JsonProperty
        public long maxSiteBytes = 2048L * 1024 * 1024;
    }
}
