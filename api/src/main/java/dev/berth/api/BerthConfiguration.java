package dev.berth.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.util.Duration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.LinkedHashMap;
import java.util.Map;

/** Everything an operator can set in the YAML file given to {@code server}. */
public class BerthConfiguration extends Configuration {

    @Valid
    @NotNull
    @JsonProperty
    public DataSourceFactory database = new DataSourceFactory();

    @Valid
    @NotNull
    @JsonProperty
    public Platform platform = new Platform();

    @Valid
    @NotNull
    @JsonProperty
    public Auth auth = new Auth();

    @Valid
    @NotNull
    @JsonProperty
    public QuotaDefaults defaultQuota = new QuotaDefaults();

    @Valid
    @NotNull
    @JsonProperty
    public SiteLimits siteLimits = new SiteLimits();

    @Valid
    @NotNull
    @JsonProperty
    public Host host = new Host();

    @Valid
    @NotNull
    @JsonProperty
    public Deploys deploys = new Deploys();

    /** Outgoing mail: see {@link dev.berth.api.mail.MailSettings}. */
    @Valid
    @NotNull
    @JsonProperty
    public dev.berth.api.mail.MailSettings mail = new dev.berth.api.mail.MailSettings();

    /** Outbound events (webhook endpoints, notifications, watchers): see {@link dev.berth.api.events.EventSettings}. */
    @Valid
    @NotNull
    @JsonProperty
    public dev.berth.api.events.EventSettings events = new dev.berth.api.events.EventSettings();

    /** Uploads, Git deploys and webhooks. */
    public static class Build {
        @Min(10)
        @JsonProperty
        public int cpuMillicores = 1000;

        @Min(16)
        @JsonProperty
        public int memoryMib = 1024;

        @Min(16)
        @JsonProperty
        public int pids = 512;

        /** The longest a build may run; hostd stops it then (at most 1,200). */
        @Min(1)
        @Max(1200)
        @JsonProperty
        public int timeoutSeconds = 600;

        /** The build's workspace (sources, output, its home), a tmpfs on the node. */
        @Min(1)
        @Max(65536)
        @JsonProperty
        public int diskMib = 1024;

        /** Builds of uploads this API replica runs at once (Git deploys build on their deploy worker). */
        @Min(1)
        @Max(64)
        @JsonProperty
        public int concurrent = 2;
    }

    public static class Deploys {
        /** How Git hosts reach this API: the webhook URL starts with it. */
        @NotEmpty
        @JsonProperty
        public String publicBaseUrl = "http://localhost:8080";

        /** Most entries in one archive or commit. */
        @Min(1)
        @JsonProperty
        public int maxEntries = 20_000;

        /**
         * Releases kept per site, for rollback; they all count against the tenant's diskMib. Must
         * equal hostd's content.keepReleases (both default to 5).
         */
        @Min(1)
        @Max(1000)
        @JsonProperty
        public int releasesKept = 5;

        @Min(1)
        @JsonProperty
        public long gitMaxFetchMib = 200;

        @Min(1)
        @Max(3600)
        @JsonProperty
        public int gitTimeoutSeconds = 60;

        /**
         * Networks (CIDR) or host:port pairs a repository may be fetched from although they are not
         * public: empty in production; tests put their loopback Git server here.
         */
        @NotNull
        @JsonProperty
        public java.util.List<String> gitAllowlist = new java.util.ArrayList<>();

        /** Plain http for allowlisted targets (tests only). */
        @JsonProperty
        public boolean gitAllowPlainHttp = false;

        /** Git deploys run at once (each of a different site); more wait in the queue, tenants in turn. */
        @Min(1)
        @Max(64)
        @JsonProperty
        public int gitWorkers = 2;

        /** Git deploys one tenant may have queued; a push beyond it answers 429. */
        @Min(1)
        @Max(10_000)
        @JsonProperty
        public int queuedPerTenant = 20;

        /** Days a branch preview lives after its branch's last push; then it is removed. */
        @Min(1)
        @Max(3650)
        @JsonProperty
        public int previewDays = 7;

        /** Site builds: the most one build may use; the tenant's quota lowers CPU, memory, processes and disk. */
        @jakarta.validation.Valid
        @NotNull
        @JsonProperty
        public Build build = new Build();

        /** Authenticated webhook deliveries per site per minute. */
        @Min(1)
        @JsonProperty
        public int webhooksPerSitePerMinute = 30;

        /** Refused webhook deliveries (bad signature, unknown site) per client address per minute. */
        @Min(1)
        @JsonProperty
        public int refusedWebhooksPerAddressPerMinute = 30;
    }

    @Valid
    @NotNull
    @JsonProperty
    public Domains domains = new Domains();

    /** How tenants' custom domains are proven (DNS) and checked again. */
    public static class Domains {
        /**
         * Name servers asked about custom domains, as IP literals with an optional port
         * ("192.0.2.53", "[2001:db8::53]:53"); empty: the system's (/etc/resolv.conf).
         */
        @NotNull
        @JsonProperty
        public java.util.List<String> nameservers = new java.util.ArrayList<>();

        @Min(100)
        @Max(60_000)
        @JsonProperty
        public int lookupTimeoutMillis = 5000;

        /** How often a served (verified) domain's proof is checked again. */
        @Min(1)
        @JsonProperty
        public int recheckVerifiedSeconds = 3600;

        /** How often a pending or lost domain (or one DNS could not answer about) is checked again. */
        @Min(1)
        @JsonProperty
        public int recheckUnprovenSeconds = 300;

        /** How often the API looks for domains due for a check. */
        @Min(1)
        @JsonProperty
        public int checkLoopSeconds = 30;
    }

    /** The platform as tenants see it. */
    public static class Platform {
        /** Sites are served at NAME.domain. */
        @NotEmpty
        @Pattern(regexp = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
        @JsonProperty
        public String domain = "localhost";

        /** The platform's public addresses: a custom domain is accepted once it resolves to one of them. */
        @jakarta.validation.constraints.NotNull
        @com.fasterxml.jackson.annotation.JsonProperty
        public java.util.List<String> publicAddresses = java.util.List.of();

        @NotEmpty
        @Pattern(regexp = "^https?$")
        @JsonProperty
        public String siteUrlScheme = "http";

        @JsonProperty
        public boolean openSignup = true;

        /**
         * Site names nobody may take: the labels the operator uses under the platform domain. The
         * portal's own host label (from deploys.publicBaseUrl, when it is under the domain) is
         * always added.
         */
        @NotNull
        @JsonProperty
        public java.util.List<String> reservedSiteNames = new java.util.ArrayList<>(dev.berth.api.sites.ReservedNames.DEFAULTS);

        /**
         * Reverse proxies in front of the API (addresses or CIDR blocks, e.g. 127.0.0.1 for a local
         * nginx): only a request whose connection comes from one of them has its X-Forwarded-For
         * read, from the right (see TrustedProxies). Empty: every client is the connection's peer.
         * Never set a connector's useForwardedHeaders instead: Jetty would believe any client.
         */
        @NotNull
        @JsonProperty
        public java.util.List<String> trustedProxies = new java.util.ArrayList<>();

        /**
         * The bits of an IPv6 client address that the per-address rate limits count as one client
         * (see ClientNetworks): 64 counts each /64 once, since every IPv6 client holds at least one.
         */
        @jakarta.validation.constraints.Min(32)
        @jakarta.validation.constraints.Max(128)
        @JsonProperty
        public int ipv6RateLimitPrefix = dev.berth.api.platform.ClientNetworks.DEFAULT_IPV6_PREFIX;

        /** Where the API keeps its own files (generated keys). */
        @NotEmpty
        @JsonProperty
        public String dataDirectory = "data";

        /** The first platform admin, created at start-up when there is none; a password is generated if empty. */
        @JsonProperty
        public String adminEmail = "";

        @JsonProperty
        public String adminPassword = "";

        /**
         * With PostgreSQL, how often a replica tries to take the lead and the leader checks its
         * session: the longest a failover waits after the leader's session ends, and the longest a
         * leader cut off from the database goes on leading.
         */
        @jakarta.validation.constraints.Min(100)
        @JsonProperty
        public long leaderCheckMillis = 1000;

        /**
         * With PostgreSQL, how often each replica writes its counts of the per-request rate limits
         * (tenants' API budgets, the public endpoints' per-address budget) and reads the others':
         * the platform admits at most what the other replicas admit in this time over a budget.
         */
        @jakarta.validation.constraints.Min(100)
        @JsonProperty
        public long rateLimitShareMillis = 1000;
    }

    /** Login sessions and tokens. */
    public static class Auth {
        @NotEmpty
        @JsonProperty
        public String issuer = "berth";

        @NotEmpty
        @JsonProperty
        public String audience = "berth-api";

        @NotNull
        @JsonProperty
        public Duration accessTokenLifetime = Duration.minutes(15);

        /** How long one refresh token works after it was issued: an idle session ends then. */
        @NotNull
        @JsonProperty
        public Duration refreshTokenLifetime = Duration.days(30);

        /**
         * How long a login session (a refresh-token family) lasts from the login that started it,
         * however often it is refreshed; then the user logs in again.
         */
        @NotNull
        @JsonProperty
        public Duration refreshTokenFamilyLifetime = Duration.days(30);

        /**
         * How long an account's role and admin flag are cached per API replica. A change made
         * through the API applies at once on the replica that made it; other replicas (and changes
         * made in the database by hand) are seen within this time.
         */
        @NotNull
        @JsonProperty
        public Duration accountFreshness = Duration.seconds(5);

        /**
         * Key id to base64 secret (at least 32 bytes). Empty: a key is generated once and kept in the
         * data directory. To rotate, add a key, make it active, remove the old one after the access
         * token lifetime.
         */
        @NotNull
        @JsonProperty
        public Map<String, String> signingKeys = new LinkedHashMap<>();

        @JsonProperty
        public String activeSigningKey = "";

        /**
         * Whether platform admins must sign in with two factors: until an admin has turned on TOTP
         * (under {@code /me/totp}), every request of theirs but {@code GET /me}, {@code /me/totp}
         * and logout answers 403 {@code totp-enrolment-required}.
         */
        @JsonProperty
        public boolean requireTotpForAdmins = false;

        /** The name authenticator apps show above a Berth account (the {@code issuer} of the Key URI). */
        @NotEmpty
        @JsonProperty
        public String totpIssuer = "Berth";

        /**
         * Key id to base64 key of exactly 32 bytes (AES-256) under which TOTP secrets, and the access
         * tokens and deploy keys of Git sources, are stored encrypted (the platform's secret key; the
         * name stays for existing configurations). Empty: a key is generated once and kept in the data directory (file
         * {@code totp-encryption-key}); API replicas sharing one database must share the key, so
         * set it here for them. To rotate, add a key and make it active; keep the old one as long
         * as secrets sealed under it exist (they open under the key they name).
         */
        @NotNull
        @JsonProperty
        public Map<String, String> totpEncryptionKeys = new LinkedHashMap<>();

        @JsonProperty
        public String activeTotpEncryptionKey = "";

        /** Failed logins per account per 15 minutes. */
        @Min(1)
        @JsonProperty
        public int loginFailuresPerAccount = 10;

        /** Login attempts per client address per minute. */
        @Min(1)
        @JsonProperty
        public int loginAttemptsPerAddress = 30;

        /**
         * Requests per client address per minute to the endpoints anyone may call (health, the
         * contract, platform facts, signup, login, refresh, webhooks), on top of their own limits.
         */
        @Min(1)
        @JsonProperty
        public int anonymousRequestsPerAddressPerMinute = 300;

        /** Signup attempts per client address per hour. */
        @Min(1)
        @JsonProperty
        public int signupsPerAddressPerHour = 10;

        /** Signup attempts on the whole platform per hour (per API replica). */
        @Min(1)
        @JsonProperty
        public int signupsPerHour = 100;

        /**
         * Whether a new account must confirm its e-mail address: signup mails a link (valid 24 hours);
         * until it is opened the account can sign in, read, and manage itself (everything under
         * {@code /me} and {@code /auth}), but any other change answers 403 {@code email-unverified}.
         */
        @JsonProperty
        public boolean emailVerification = false;

        /** Password reset requests per client address per hour (per API replica). */
        @Min(1)
        @JsonProperty
        public int passwordResetsPerAddressPerHour = 10;

        /** Password reset requests per e-mail address asked about per hour, with or without an account (per API replica). */
        @Min(1)
        @JsonProperty
        public int passwordResetsPerAccountPerHour = 3;

        /** Argon2id memory in KiB (OWASP minimum 19456). */
        @Min(8)
        @JsonProperty
        public int argon2MemoryKib = 19 * 1024;

        @Min(1)
        @JsonProperty
        public int argon2Iterations = 2;
    }

    /** The quota a new tenant starts with. */
    public static class QuotaDefaults {
        @Min(0) @JsonProperty public int maxSites = 10;
        @Min(0) @JsonProperty public int maxRunningSites = 5;
        @Min(10) @JsonProperty public int cpuMillicores = 1000;
        @Min(8) @JsonProperty public int memoryMib = 512;
        @Min(8) @JsonProperty public int pids = 256;
        @Min(1) @JsonProperty public int diskMib = 1024;
        @Min(1) @JsonProperty public int maxUploadMib = 100;
        @Min(1) @JsonProperty public int apiRequestsPerMinute = 600;
    }

    /** What one site's container may use, capped by its tenant's quota. */
    public static class SiteLimits {
        @Min(1) @JsonProperty public int cpuMillicores = 250;
        @Min(1) @JsonProperty public int memoryMib = 64;
        @Min(1) @JsonProperty public int pids = 64;
    }

    /** How the API samples its sites' usage for the portal's graphs (in memory, see UsageHistory). */
    @Valid
    @NotNull
    @JsonProperty
    public Usage usage = new Usage();

    public static class Usage {
        /** At most one sample per site this often (the reconciler's passes carry the figures). 0: every pass. */
        @Min(0)
        @Max(3600)
        @JsonProperty
        public int sampleIntervalSeconds = 15;

        /** Samples kept per site: 240 at 15 s is the last hour. */
        @Min(2)
        @Max(10_000)
        @JsonProperty
        public int samplesKept = 240;
    }

    /** The host daemon the API drives. */
    public static class Host {
        /** The Unix socket of berth-hostd (used when {@link #url} is empty). */
        @NotEmpty
        @JsonProperty
        public String socketPath = "/run/berth/hostd.sock";

        /**
         * hostd's mutual-TLS listener, {@code https://HOST:PORT}, for a hostd on another machine;
         * empty: the socket. The node's certificate must name HOST.
         */
        @jakarta.validation.constraints.Pattern(regexp = "^$|^https://[^/?#]+/?$", message = "must be https://HOST[:PORT]")
        @JsonProperty
        public String url;

        /** The API's client key and certificate ({@code client-NAME.p12} of {@code hostd pki client}), with {@link #url}. */
        @JsonProperty
        public String keyStorePath;

        @JsonProperty
        public String keyStorePassword;

        /** The platform CA alone ({@code trust.p12} of {@code hostd pki ca}): the only nodes the API talks to. */
        @JsonProperty
        public String trustStorePath;

        @JsonProperty
        public String trustStorePassword;

        /** This host's name in the node registry ({@code GET /admin/nodes}); a DNS label. */
        @jakarta.validation.constraints.Pattern(regexp = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", message = "must be a DNS label")
        @JsonProperty
        public String nodeName = "local";

        /** How many sites placement puts on this host at most. */
        @Min(0)
        @Max(1_000_000)
        @JsonProperty
        public int capacitySites = 10_000;

        /** A node that has not answered the reconciler for this long is lost: its sites move to other nodes. */
        @Min(5)
        @Max(86_400)
        @JsonProperty
        public int nodeLostAfterSeconds = 30;

        /**
         * How long a draining node keeps serving a site after its new node serves it, for clients
         * that still hold the old node's address: at least the TTL of the sites' DNS records
         * (hostd's {@code dns.ttlSeconds}, 60 by default). A lost node has no grace: it is gone.
         */
        @Min(0)
        @Max(86_400)
        @JsonProperty
        public int drainGraceSeconds = 60;

        /**
         * How many sites a draining node hands over at once: each next one moves as soon as the new
         * node of an earlier one serves it. One at a time, a drain takes a reconcile pass or two per
         * site (about an hour for 1,000 sites); more at once start that many containers together on
         * the nodes that take them.
         */
        @Min(1)
        @Max(1000)
        @JsonProperty
        public int drainConcurrency = 8;

        /** The public IPv4 of this host's proxy, shown in the node registry (empty: not stated). */
        @JsonProperty
        public String publicIpv4;

        /** The public IPv6 of this host's proxy, shown in the node registry (empty: not stated). */
        @JsonProperty
        public String publicIpv6;

        @Min(100)
        @Max(600_000)
        @JsonProperty
        public long reconcileIntervalMillis = 2000;

        @Min(100)
        @Max(600_000)
        @JsonProperty
        public long requestTimeoutMillis = 30_000;

        /** How often the certificate keeper asks every node which certificates it wants, obtains the due ones and installs them. */
        @Min(100)
        @Max(3_600_000)
        @JsonProperty
        public long certificateIntervalMillis = 5000;

        /** After a failed ACME order the next waits this long, doubling up to {@code certificateMaxRetrySeconds}. */
        @Min(1)
        @JsonProperty
        public long certificateFirstRetrySeconds = 60;

        @Min(1)
        @JsonProperty
        public long certificateMaxRetrySeconds = 6 * 3600;
    }
}
