package dev.berth.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.berth.api.admin.AdminHostResource;
import dev.berth.api.admin.AdminResource;
import dev.berth.api.audit.AuditFeature;
import dev.berth.api.audit.AuditLog;
import dev.berth.api.audit.AuditResource;
import dev.berth.api.tenants.SuspensionGuard;
import dev.berth.api.tenants.TenantSuspensions;
import dev.berth.api.auth.AccessTokens;
import dev.berth.api.auth.Accounts;
import dev.berth.api.auth.AuthFeature;
import dev.berth.api.auth.AuthResource;
import dev.berth.api.auth.AuthService;
import dev.berth.api.auth.PasswordHasher;
import dev.berth.api.auth.TenantRateLimit;
import dev.berth.api.deploys.ContentLimits;
import dev.berth.api.deploys.DeployQueue;
import dev.berth.api.deploys.DeployService;
import dev.berth.api.deploys.DeployWorker;
import dev.berth.api.deploys.DeploysResource;
import dev.berth.api.deploys.ReleaseCollector;
import dev.berth.api.deploys.StoredReleases;
import dev.berth.api.deploys.WebhooksResource;
import dev.berth.api.deploys.archive.ArchiveImporter;
import dev.berth.api.deploys.git.GitFetcher;
import dev.berth.api.deploys.webhooks.WebhookVerifier;
import dev.berth.api.domains.DnsResolver;
import dev.berth.api.domains.DomainChecker;
import dev.berth.api.domains.DomainResolver;
import dev.berth.api.domains.DomainService;
import dev.berth.api.domains.DomainsResource;
import dev.berth.api.health.HealthResource;
import dev.berth.api.hosts.HostInsights;
import dev.berth.api.hosts.HostPorts;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.operations.OperationsResource;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.platform.CachingParameterNameProvider;
import dev.berth.api.platform.ClientNetworks;
import dev.berth.api.platform.CurrentRequest;
import dev.berth.api.platform.IpAddresses;
import dev.berth.api.platform.Migrations;
import dev.berth.api.platform.NudgeableLoop;
import dev.berth.api.platform.ProblemErrorHandler;
import dev.berth.api.platform.ProblemMappers;
import dev.berth.api.platform.RateLimitHeaders;
import dev.berth.api.platform.RateLimits;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.SecurityHeaders;
import dev.berth.api.platform.SigningKeys;
import dev.berth.api.platform.Throttle;
import dev.berth.api.platform.TrustedProxies;
import dev.berth.api.reconcile.Reconciler;
import dev.berth.api.reconcile.SpecFactory;
import dev.berth.api.sites.PlatformResource;
import dev.berth.api.nodes.NodeConnections;
import dev.berth.api.nodes.NodeMover;
import dev.berth.api.nodes.NodeService;
import dev.berth.api.nodes.PlacedHost;
import dev.berth.api.sites.ReservedNames;
import dev.berth.api.sites.SiteService;
import dev.berth.api.sites.SiteViews;
import dev.berth.api.sites.SitesResource;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.TenantResource;
import dev.berth.api.tenants.TenantService;
import dev.berth.api.tokens.TokenService;
import dev.berth.api.tokens.TokensResource;
import dev.berth.api.usage.UsageHistory;
import dev.berth.api.usage.UsageResource;
import dev.berth.api.usage.UsageSampler;
import dev.berth.api.usage.UsageService;
import dev.berth.hostprotocol.ResourceLimits;
import io.dropwizard.assets.AssetsBundle;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.migrations.MigrationsBundle;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part of the API with constructor injection and wires it into
 * Dropwizard. Commands: {@code server CONFIG}, {@code db migrate CONFIG}.
 */
public class BerthApplication extends Application<BerthConfiguration> {
    private static final Logger LOG = LoggerFactory.getLogger(BerthApplication.class);
    /** How long the address plan hostd reported is used before a site creation asks again. */
    private static final Duration ADDRESS_PLAN_MAX_AGE = Duration.ofSeconds(30);
    /** Dropwizard's default {@code headerCacheSize} of an HTTP(S) connector. */
    private static final long DROPWIZARD_HEADER_CACHE_BYTES = 512;

    private final Overrides overrides;
    private Reconciler reconciler;
    private NodeService nodeService;
    private NodeMover nodeMover;
    private dev.berth.api.platform.Leadership leadership;
    private DeployWorker deployWorker;
    private java.util.function.IntSupplier previewSweep;
    private DomainChecker domainChecker;
    private DomainService domainService;
    private dev.berth.api.mail.MailWorker mailWorker;
    private dev.berth.api.events.EventWorker eventWorker;
    private dev.berth.api.tenants.QuotaWatch quotaWatch;
    private dev.berth.api.certificates.CertificateWatch certificateWatch;
    private dev.berth.api.certificates.CertificateKeeper certificateKeeper;
    private Jdbi jdbi;

    public BerthApplication() {
        this(Overrides.none());
    }

    /** For tests: the application with some of its outside world replaced (see {@link Overrides}). */
    protected BerthApplication(Overrides overrides) {
        this.overrides = java.util.Objects.requireNonNull(overrides, "overrides");
    }

    /**
     * What a test may replace of the application's outside world; {@link #none()} replaces nothing.
     *
     * @param hosts              the host ports built from the configuration (a fake host in unit tests)
     * @param clock              the clock of every part
     * @param domainResolver     the DNS of custom-domain checks; null: the configured name servers'
     *                           ({@code domains.nameservers}). Unit tests must not ask real DNS.
     * @param repositoryResolver the DNS of the repository URL policy, so that tests judging host names
     *                           (internal.example, metadata.example) never ask real DNS and can count the look-ups
     */
    public record Overrides(Function<BerthConfiguration, HostPorts> hosts, Clock clock, DomainResolver domainResolver,
                            RepositoryUrlPolicy.Resolver repositoryResolver,
                            java.util.function.BiFunction<BerthConfiguration, String, HostPorts> joinedNodes) {
        public Overrides {
            java.util.Objects.requireNonNull(hosts, "hosts");
            java.util.Objects.requireNonNull(joinedNodes, "joinedNodes");
            java.util.Objects.requireNonNull(clock, "clock");
            java.util.Objects.requireNonNull(repositoryResolver, "repositoryResolver");
        }

        /** hostd on its socket, the system clock, the configured name servers, the system resolver. */
        public static Overrides none() {
            return new Overrides(HostFactories::hostd, Clock.systemUTC(), null, RepositoryUrlPolicy.Resolver.SYSTEM, HostFactories::node);
        }

        public Overrides withHosts(Function<BerthConfiguration, HostPorts> replaced) {
            return new Overrides(replaced, clock, domainResolver, repositoryResolver, joinedNodes);
        }

        public Overrides withClock(Clock replaced) {
            return new Overrides(hosts, replaced, domainResolver, repositoryResolver, joinedNodes);
        }

        public Overrides withDomainResolver(DomainResolver replaced) {
            return new Overrides(hosts, clock, replaced, repositoryResolver, joinedNodes);
        }

        /** How the API reaches a node that joins the registry at a URL (a test's fake nodes). */
        public Overrides withJoinedNodes(java.util.function.BiFunction<BerthConfiguration, String, HostPorts> replaced) {
            return new Overrides(hosts, clock, domainResolver, repositoryResolver, replaced);
        }

        public Overrides withRepositoryResolver(RepositoryUrlPolicy.Resolver replaced) {
            return new Overrides(hosts, clock, domainResolver, replaced, joinedNodes);
        }
    }

    public static void main(String[] args) throws Exception {
        new BerthApplication().run(args);
    }

    @Override
    public String getName() {
        return "berth";
    }

    @Override
    public void initialize(Bootstrap<BerthConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addBundle(new MigrationsBundle<>() {
            @Override
            public DataSourceFactory getDataSourceFactory(BerthConfiguration configuration) {
                return configuration.database;
            }

            @Override
            public String getMigrationsFileName() {
                return Migrations.CHANGELOG;
            }
        });
        bootstrap.addBundle(new AssetsBundle("/portal", "/", "index.html", "portal"));
        dev.berth.api.apidocs.ApiDocs.addTo(bootstrap);
        configureJson(bootstrap.getObjectMapper());
        bootstrap.setValidatorFactory(io.dropwizard.jersey.validation.Validators.newConfiguration()
                .parameterNameProvider(new CachingParameterNameProvider())
                .buildValidatorFactory());
    }

    /** Strict JSON: unknown properties, wrong scalar types and trailing tokens are errors, not guesses. */
    static void configureJson(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // {"name":"a","name":"b"} is not JSON anyone should act on: a proxy or a log may read the first value, we would read the last.
        mapper.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.setSerializationInclusion(JsonInclude.Include.NON_NULL);
        for (LogicalType type : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.Integer, type == LogicalType.Integer ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, type == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, type == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, type == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, type == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail);
        }
    }

    /** The public addresses of the node serving a site (its proxy answers the site's custom domains), none when it has none. */
    private static java.util.Set<java.net.InetAddress> nodeAddresses(Jdbi jdbi, java.util.UUID siteId) {
        return jdbi.withExtension(dev.berth.api.nodes.NodeDao.class, dao -> dao.findBySite(siteId))
                .map(node -> java.util.stream.Stream.of(node.publicIpv4(), node.publicIpv6()).filter(java.util.Objects::nonNull)
                        .map(IpAddresses::literal).flatMap(java.util.Optional::stream).collect(java.util.stream.Collectors.toSet()))
                .orElse(java.util.Set.of());
    }

    /** Whether other API replicas may share this database: PostgreSQL (the embedded H2 is this process's alone). */
    private static boolean sharesDatabase(BerthConfiguration config) {
        String url = config.database.getUrl();
        return url != null && url.startsWith("jdbc:postgresql:");
    }

    /**
     * PostgreSQL: the replicas elect a leader with an advisory lock (started here, before the loops it
     * gates, so a lone replica leads from its first pass). Anything else is the embedded single-node
     * database, which only this process uses.
     */
    private static dev.berth.api.platform.Leadership leadership(BerthConfiguration config, Environment environment, Jdbi jdbi) {
        if (!sharesDatabase(config)) {
            return dev.berth.api.platform.Leadership.alone();
        }
        String url = config.database.getUrl();
        java.util.Properties properties = new java.util.Properties();
        properties.putAll(config.database.getProperties());
        if (config.database.getUser() != null) {
            properties.setProperty("user", config.database.getUser());
        }
        if (config.database.getPassword() != null) {
            properties.setProperty("password", config.database.getPassword());
        }
        dev.berth.api.platform.PostgresLeadership leadership = new dev.berth.api.platform.PostgresLeadership(url, properties, jdbi,
                Duration.ofMillis(config.platform.leaderCheckMillis));
        environment.lifecycle().manage(leadership);
        return leadership;
    }

    @Override
    public void run(BerthConfiguration config, Environment environment) throws Exception {
        Clock clock = overrides.clock();
        if (config.getServerFactory() instanceof AbstractServerFactory server) {
            server.setRegisterDefaultExceptionMappers(false);
        }
        fitBearerTokensInHeaderCache(config);
        refuseForwardedHeadersOnConnectors(config);
        TrustedProxies trustedProxies = new TrustedProxies(config.platform.trustedProxies);
        Migrations.apply(config.database, environment.metrics());
        // A plain Jdbi on the pooled data source: Dropwizard's JdbiFactory also times every statement
        // through a metric name strategy, which cost more CPU than the queries themselves.
        io.dropwizard.db.ManagedDataSource dataSource = config.database.build(environment.metrics(), "database");
        environment.lifecycle().manage(dataSource);
        jdbi = Jdbi.create(dataSource).installPlugin(new org.jdbi.v3.sqlobject.SqlObjectPlugin());
        Jdbi database = jdbi;
        environment.healthChecks().register("database", new com.codahale.metrics.health.HealthCheck() {
            @Override
            protected Result check() {
                database.useHandle(handle -> handle.createQuery("SELECT 1").mapTo(Integer.class).one());
                return Result.healthy();
            }
        });

        // One replica leads the background loops; on the embedded H2 this process is the only one.
        dev.berth.api.platform.Leadership leadership = leadership(config, environment, jdbi);
        this.leadership = leadership;

        Map<String, byte[]> keys = SigningKeys.load(config.auth.signingKeys, config.platform.dataDirectory);
        String activeKey = config.auth.activeSigningKey.isEmpty() ? keys.keySet().iterator().next() : config.auth.activeSigningKey;
        AccessTokens accessTokens = new AccessTokens(config.auth.issuer, config.auth.audience,
                Duration.ofMillis(config.auth.accessTokenLifetime.toMilliseconds()), keys, activeKey, clock);
        Quota defaultQuota = new Quota(config.defaultQuota.maxSites, config.defaultQuota.maxRunningSites,
                config.defaultQuota.cpuMillicores, config.defaultQuota.memoryMib, config.defaultQuota.pids,
                config.defaultQuota.diskMib, config.defaultQuota.maxUploadMib, config.defaultQuota.apiRequestsPerMinute);
        PasswordHasher passwordHasher = new PasswordHasher(config.auth.argon2MemoryKib, config.auth.argon2Iterations, 1);
        // One replica counts in memory; replicas on PostgreSQL count platform-wide (see RateLimits).
        RateLimits rateLimits = sharesDatabase(config)
                ? RateLimits.sharedThrough(jdbi, clock, Duration.ofMillis(config.platform.rateLimitShareMillis))
                : RateLimits.inProcess();
        environment.lifecycle().manage(rateLimits);
        // Every per-address limit counts an IPv6 client by its network: it holds a whole /64 to rotate through.
        ClientNetworks clientNetworks = new ClientNetworks(config.platform.ipv6RateLimitPrefix);
        if (rateLimits.shared()) {
            environment.lifecycle().manage(new NudgeableLoop("rate-limit-sweeper", Duration.ofMinutes(1), rateLimits::sweep)
                    .ledBy(leadership));
        }
        Throttle<String> loginFailuresPerAccount = new Throttle<>(rateLimits.perCall("login-failures-per-account", Duration.ofMinutes(15)),
                config.auth.loginFailuresPerAccount, "too many failed logins for this account");
        Accounts accounts = new Accounts(jdbi, Duration.ofMillis(config.auth.accountFreshness.toMilliseconds()));
        Map<String, byte[]> totpKeys = SigningKeys.load(config.auth.totpEncryptionKeys, config.platform.dataDirectory, "totp-encryption-key");
        // One key set seals every secret the API must read back: TOTP secrets and Git sources' tokens and deploy keys.
        dev.berth.api.platform.SecretBox secretBox = new dev.berth.api.platform.SecretBox(totpKeys,
                config.auth.activeTotpEncryptionKey.isEmpty() ? totpKeys.keySet().iterator().next() : config.auth.activeTotpEncryptionKey);
        dev.berth.api.auth.TotpService totpService = new dev.berth.api.auth.TotpService(jdbi, secretBox,
                passwordHasher, accounts, loginFailuresPerAccount, config.auth.totpIssuer, config.auth.requireTotpForAdmins, clock);
        AuthService authService = new AuthService(jdbi, passwordHasher, accessTokens,
                new AuthService.Lifetimes(Duration.ofMillis(config.auth.refreshTokenLifetime.toMilliseconds()),
                        Duration.ofMillis(config.auth.refreshTokenFamilyLifetime.toMilliseconds())),
                defaultQuota, config.platform.openSignup, new AuthService.Limits(
                        new Throttle<>(clientNetworks.byNetwork(rateLimits.perCall("logins-per-address", Duration.ofMinutes(1))),
                                config.auth.loginAttemptsPerAddress, "too many login attempts from this address"),
                        loginFailuresPerAccount,
                        new Throttle<>(clientNetworks.byNetwork(rateLimits.perCall("signups-per-address", Duration.ofHours(1))),
                                config.auth.signupsPerAddressPerHour, "too many signups from this address"),
                        new Throttle<>(rateLimits.perCall("signups", Duration.ofHours(1)),
                                config.auth.signupsPerHour, "too many signups on this platform right now")),
                totpService, clock);
        TokenService tokenService = new TokenService(jdbi, clock);
        TenantRateLimit tenantRateLimit = new TenantRateLimit(jdbi, rateLimits.perRequest("api-requests-per-tenant", Duration.ofMinutes(1)));

        SiteViews views = new SiteViews(config.platform.domain, config.platform.siteUrlScheme);
        HostPorts configuredHost = overrides.hosts().apply(config);
        NodeConnections nodeConnections = new NodeConnections(url -> overrides.joinedNodes().apply(config, url));
        environment.lifecycle().manage(new io.dropwizard.lifecycle.Managed() {
            @Override
            public void stop() throws Exception {
                nodeConnections.close();
                if (configuredHost.sites() instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        });
        // Every node the platform drives; this API's configured host is one of them, registered at start.
        nodeService = new NodeService(jdbi, nodeConnections, clock, ADDRESS_PLAN_MAX_AGE);
        nodeService.registerConfigured(new NodeService.Configured(config.host.nodeName, HostFactories.configuredUrl(config),
                blankToNull(config.host.publicIpv4), blankToNull(config.host.publicIpv6), config.host.capacitySites), configuredHost);
        PlacedHost placedHost = new PlacedHost(nodeService);
        SiteHost host = placedHost;
        HostInsights insights = placedHost;
        SpecFactory specFactory = new SpecFactory(views,
                new ResourceLimits(config.siteLimits.cpuMillicores, config.siteLimits.memoryMib, config.siteLimits.pids));
        Duration sampleInterval = Duration.ofSeconds(config.usage.sampleIntervalSeconds);
        UsageHistory usageHistory = new UsageHistory(config.usage.samplesKept);
        UsageSampler usageSampler = new UsageSampler(insights, usageHistory, sampleInterval);
        dev.berth.api.deploys.ContentStore contentStore = new dev.berth.api.deploys.ContentStore(jdbi, clock);
        reconciler = new Reconciler(jdbi, nodeService::targets, nodeService, specFactory, contentStore, clock, Duration.ofMillis(config.host.reconcileIntervalMillis),
                usageSampler::observed, DeployService::promote);
        environment.lifecycle().manage(reconciler.ledBy(leadership));
        nodeMover = new NodeMover(jdbi, nodeService, clock, Duration.ofSeconds(config.host.nodeLostAfterSeconds),
                Duration.ofSeconds(config.host.drainGraceSeconds), config.host.drainConcurrency,
                Duration.ofMillis(config.host.reconcileIntervalMillis), reconciler::nudge);
        environment.lifecycle().manage(nodeMover.ledBy(leadership));
        ReservedNames reservedNames = new ReservedNames(config.platform.reservedSiteNames, config.platform.domain,
                config.deploys.publicBaseUrl);
        // A site's change goes to its node at once (the reconciler's push), the passes are the safety net.
        SiteService siteService = new SiteService(jdbi, nodeService, reservedNames, clock, siteId -> {
            reconciler.push(siteId);
            quotaWatch.nudge();
        });
        StoredReleases storedReleases = new StoredReleases(jdbi, config.deploys.releasesKept);
        TenantService tenantService = new TenantService(jdbi, clock, tenantId -> {
            tenantRateLimit.quotaChanged(tenantId);
            reconciler.nudge();
        }, siteIds -> usageHistory.total(siteIds)
                .map(total -> new TenantService.LiveUsage(total.memoryBytes(), total.cpuUsageNanos(), total.pids())),
                storedReleases::bytes, SiteService::countOf);
        AuditLog auditLog = new AuditLog(jdbi);
        // Writes of a suspended tenant are refused; other replicas see a change within the accounts' freshness.
        TenantSuspensions tenantSuspensions = new TenantSuspensions(jdbi, clock,
                Duration.ofMillis(config.auth.accountFreshness.toMilliseconds()), reconciler::nudge);

        GitFetcher.isolateFromHostGitConfiguration();
        java.nio.file.Path spool = java.nio.file.Path.of(config.platform.dataDirectory, "spool");
        ContentLimits contentLimits = ContentLimits.defaults().withMaxEntries(config.deploys.maxEntries);
        RepositoryUrlPolicy urlPolicy = new RepositoryUrlPolicy(overrides.repositoryResolver(), config.deploys.gitAllowlist,
                config.deploys.gitAllowPlainHttp);
        // A running deploy ends by its fetch deadline; one older than twice that (and a minute) lost its worker.
        DeployQueue deployQueue = new DeployQueue(jdbi, clock,
                Duration.ofSeconds(2L * (config.deploys.gitTimeoutSeconds + config.deploys.build.timeoutSeconds) + 60),
                config.deploys.queuedPerTenant, leadership);
        dev.berth.api.deploys.SiteBuilds siteBuilds = new dev.berth.api.deploys.SiteBuilds(jdbi, siteService, host, spool,
                new dev.berth.api.deploys.SiteBuilds.Ceilings(config.deploys.build.cpuMillicores, config.deploys.build.memoryMib,
                        config.deploys.build.pids, config.deploys.build.timeoutSeconds, config.deploys.build.diskMib), clock);
        DeployService deployService = new DeployService(jdbi, siteService, host, new ArchiveImporter(spool),
                new GitFetcher(urlPolicy, spool, clock), urlPolicy, new WebhookVerifier(environment.getObjectMapper()), contentLimits,
                new GitFetcher.Limits(config.deploys.gitMaxFetchMib * 1024 * 1024, Duration.ofSeconds(config.deploys.gitTimeoutSeconds),
                        contentLimits),
                spool, storedReleases, contentStore, deployQueue, new DeployService.WebhookLimits(
                        new Throttle<>(rateLimits.perCall("webhooks-per-site", Duration.ofMinutes(1)),
                                config.deploys.webhooksPerSitePerMinute, "too many webhook deliveries for this site"),
                        new Throttle<>(clientNetworks.byNetwork(rateLimits.perCall("refused-webhooks-per-address", Duration.ofMinutes(1))),
                                config.deploys.refusedWebhooksPerAddressPerMinute, "too many refused webhook deliveries from this address")),
                new dev.berth.api.deploys.GitSourceSecrets(secretBox), clock, reconciler::push, reconciler::deliver, siteBuilds,
                config.deploys.build.concurrent);
        // Releases no longer kept leave the content store an hour after they stopped being kept, at the earliest.
        ReleaseCollector releaseCollector = new ReleaseCollector(jdbi, storedReleases, clock, Duration.ofHours(1));
        // Deploys by manifest left uploading for an hour fail first, so their blobs are swept with the rest.
        environment.lifecycle().manage(new NudgeableLoop("release-collector", Duration.ofMinutes(10), () -> {
            deployService.failAbandonedUploads(Duration.ofHours(1));
            releaseCollector.collect();
        }).ledBy(leadership));
        // Branch previews not pushed for deploys.previewDays, or whose parent is being deleted, go.
        Duration previewLifetime = Duration.ofDays(config.deploys.previewDays);
        previewSweep = () -> siteService.sweepPreviews(previewLifetime);
        environment.lifecycle().manage(new NudgeableLoop("preview-sweeper", Duration.ofMinutes(10), previewSweep::getAsInt)
                .ledBy(leadership));
        // Every replica runs queued deploys (claims are atomic); the leader takes back those of replicas that ended.
        deployWorker = new DeployWorker(jdbi, deployService, deployQueue, clock, Duration.ofSeconds(2), config.deploys.gitWorkers);
        environment.lifecycle().manage(deployWorker);
        DeployWorker deployRecovery = deployWorker;
        environment.lifecycle().manage(new NudgeableLoop("deploy-recovery", Duration.ofSeconds(15), deployRecovery::recoverInterrupted)
                .ledBy(leadership));
        dev.berth.api.metrics.PlatformMetrics.register(dev.berth.observability.PrometheusEndpoint.install(environment), jdbi, clock);
        dev.berth.observability.RequestIds.install(environment, false);

        // Outgoing mail and outbound events: queued in the database, sent by workers (dev.berth.api.mail, dev.berth.api.events).
        mailWorker = new dev.berth.api.mail.MailWorker(jdbi, config.mail.buildTransport(java.nio.file.Path.of(config.platform.dataDirectory)),
                clock, config.mail.maxAttempts, Duration.ofSeconds(config.mail.smtp.timeoutSeconds * 4L + 30),
                Duration.ofMillis(config.mail.pollIntervalMillis));
        environment.lifecycle().manage(mailWorker);
        dev.berth.api.mail.Mailer mailer = new dev.berth.api.mail.MailOutbox(jdbi, clock, config.mail.portalUrl, mailWorker::nudge);
        // Password reset requests are looked up and mailed after the answer, on one thread, so that every answer takes the same time.
        java.util.concurrent.ExecutorService resetWork = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(1_000), runnable -> new Thread(runnable, "password-resets"),
                (runnable, executor) -> org.slf4j.LoggerFactory.getLogger(BerthApplication.class)
                        .warn("Dropped a password reset request: 1,000 are waiting"));
        environment.lifecycle().manage(new io.dropwizard.lifecycle.Managed() {
            @Override
            public void stop() {
                resetWork.shutdown();
            }
        });
        RepositoryUrlPolicy endpointPolicy = new RepositoryUrlPolicy(overrides.repositoryResolver(), config.events.endpointAllowlist,
                config.events.allowPlainHttp, RepositoryUrlPolicy.Subject.WEBHOOK_ENDPOINT);
        dev.berth.api.events.WebhookSender webhookSender = new dev.berth.api.events.WebhookSender(endpointPolicy,
                javax.net.ssl.SSLContext.getDefault(), Duration.ofSeconds(config.events.connectTimeoutSeconds),
                Duration.ofSeconds(config.events.attemptTimeoutSeconds), "Berth-Webhooks/1");
        eventWorker = new dev.berth.api.events.EventWorker(jdbi, webhookSender, mailer, clock,
                Duration.ofSeconds(config.events.attemptTimeoutSeconds * 2L + 30), Duration.ofMillis(config.events.pollIntervalMillis));
        environment.lifecycle().manage(eventWorker);
        environment.lifecycle().manage(new io.dropwizard.lifecycle.Managed() {
            @Override
            public void stop() {
                webhookSender.close();
            }
        });
        quotaWatch = new dev.berth.api.tenants.QuotaWatch(jdbi, tenantService::overview, clock, Duration.ofSeconds(config.events.quotaCheckSeconds));
        environment.lifecycle().manage(quotaWatch.ledBy(leadership));
        dev.berth.api.certificates.CertificateStore certificateStore = new dev.berth.api.certificates.CertificateStore(jdbi, secretBox);
        certificateWatch = new dev.berth.api.certificates.CertificateWatch(jdbi, certificateStore.overlaid(insights), clock, Duration.ofDays(config.events.certificateExpiringDays),
                Duration.ofMinutes(config.events.certificateCheckMinutes));
        environment.lifecycle().manage(certificateWatch.ledBy(leadership));
        // One node obtains each certificate, the database keeps it (its key sealed under the platform key), every node gets it.
        certificateKeeper = new dev.berth.api.certificates.CertificateKeeper(
                certificateStore,
                () -> nodeService.list().stream().filter(node -> !dev.berth.api.nodes.Node.LOST.equals(node.state()))
                        .map(node -> new dev.berth.api.certificates.CertificateKeeper.CertificateNode(node.id(), node.name(),
                                node.createdAt(), dev.berth.api.nodes.Node.READY.equals(node.state()),
                                nodeService.ports(node).certificates()))
                        .toList(),
                clock, Duration.ofMillis(config.host.certificateIntervalMillis),
                Duration.ofSeconds(config.host.certificateFirstRetrySeconds), Duration.ofSeconds(config.host.certificateMaxRetrySeconds));
        environment.lifecycle().manage(certificateKeeper.ledBy(leadership));

        // Errors Jetty answers itself (a malformed URI, before any resource) are problems like the rest.
        environment.getApplicationContext().setErrorHandler(new ProblemErrorHandler());
        environment.lifecycle().addServerLifecycleListener(server -> server.setErrorHandler(new ProblemErrorHandler()));
        // Also on FORWARD: the portal's routes are forwarded to index.html, and a forward resets the answer's headers.
        environment.servlets().addFilter("security-headers", new SecurityHeaders())
                .addMappingForUrlPatterns(java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST, jakarta.servlet.DispatcherType.FORWARD),
                        false, "/*");
        addPortalFallback(environment);
        dev.berth.api.apidocs.ApiDocs.protect(environment);
        environment.servlets().addFilter("current-request", new CurrentRequest(trustedProxies))
                .addMappingForUrlPatterns(java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST), false, "/*");
        var jersey = environment.jersey();
        ProblemMappers.all().forEach(jersey::register);
        dev.berth.api.auth.EmailVerifications emailVerifications = new dev.berth.api.auth.EmailVerifications(config.auth.emailVerification,
                jdbi, mailer, accounts, new Throttle<>(rateLimits.perCall("verification-mails-per-account", Duration.ofHours(1)), 5,
                        "too many confirmation links asked for this account"), clock);
        jersey.register(new AuthFeature(accessTokens, authService, tokenService, tenantRateLimit, accounts, emailVerifications, totpService,
                new Throttle<>(clientNetworks.byNetwork(rateLimits.perRequest("public-requests-per-address", Duration.ofMinutes(1))),
                        config.auth.anonymousRequestsPerAddressPerMinute, "too many requests from this address"),
                dev.berth.api.caller.OperationRules.fromContract()));
        jersey.register(new RateLimitHeaders());
        jersey.register(new AuditFeature(auditLog, clock));
        jersey.register(new SuspensionGuard(tenantSuspensions));
        jersey.register(new HealthResource(getClass().getPackage().getImplementationVersion() == null
                ? "dev" : getClass().getPackage().getImplementationVersion()));
        jersey.register(new AuthResource(authService, emailVerifications, totpService));
        jersey.register(new dev.berth.api.auth.TotpResource(totpService, authService));
        jersey.register(new dev.berth.api.auth.AccountResource(
                new dev.berth.api.auth.AccountService(jdbi, passwordHasher, authService, loginFailuresPerAccount, clock),
                new dev.berth.api.auth.PasswordResets(jdbi, passwordHasher, authService, mailer, resetWork,
                        new dev.berth.api.auth.PasswordResets.Limits(
                                new Throttle<>(clientNetworks.byNetwork(rateLimits.perCall("password-resets-per-address", Duration.ofHours(1))),
                                        config.auth.passwordResetsPerAddressPerHour, "too many password reset requests from this address"),
                                new Throttle<>(rateLimits.perCall("password-resets-per-account", Duration.ofHours(1)),
                                        config.auth.passwordResetsPerAccountPerHour, "too many password reset requests for this e-mail address"),
                                loginFailuresPerAccount),
                        clock),
                emailVerifications));
        jersey.register(new TokensResource(tokenService));
        jersey.register(new SitesResource(siteService, views));
        jersey.register(new PlatformResource(siteService, views, config.platform.domain, config.platform.siteUrlScheme,
                config.platform.openSignup, reservedNames));
        dev.berth.api.usage.UsageArchive usageArchive = new dev.berth.api.usage.UsageArchive(jdbi, usageHistory, clock);
        environment.lifecycle().manage(usageArchive.ledBy(leadership));
        jersey.register(new UsageResource(new UsageService(siteService, insights, usageHistory, specFactory, jdbi, sampleInterval,
                usageArchive, clock)));
        java.util.Set<java.net.InetAddress> publicAddresses = new java.util.HashSet<>();
        for (String literal : config.platform.publicAddresses) {
            // Literals only: no name lookup at start-up.
            publicAddresses.add(IpAddresses.literal(literal).orElseThrow(() ->
                    new IllegalArgumentException("platform.publicAddresses must hold IP address literals, got " + literal)));
        }
        domainService = new DomainService(jdbi, siteService,
                overrides.domainResolver() != null ? overrides.domainResolver() : new DnsResolver(config.domains.nameservers,
                        Duration.ofMillis(config.domains.lookupTimeoutMillis)),
                publicAddresses, siteId -> nodeAddresses(jdbi, siteId), config.platform.domain, new DomainService.Schedule(Duration.ofSeconds(config.domains.recheckVerifiedSeconds),
                        Duration.ofSeconds(config.domains.recheckUnprovenSeconds)), clock, reconciler::nudge);
        domainChecker = new DomainChecker(domainService, Duration.ofSeconds(config.domains.checkLoopSeconds));
        environment.lifecycle().manage(domainChecker.ledBy(leadership));
        jersey.register(new DomainsResource(domainService));
        jersey.register(new dev.berth.api.protection.ProtectionResource(
                new dev.berth.api.protection.ProtectionService(jdbi, siteService, clock, reconciler::push)));
        jersey.register(new dev.berth.api.deploys.BuildsResource(siteBuilds));
        jersey.register(new dev.berth.api.serving.ServingResource(
                new dev.berth.api.serving.ServingService(jdbi, siteService, clock, reconciler::push)));
        dev.berth.api.certificates.CertificateService certificateService =
                new dev.berth.api.certificates.CertificateService(siteService, certificateStore.overlaid(insights), views);
        jersey.register(new dev.berth.api.certificates.CertificatesResource(certificateService));
        jersey.register(new TenantResource(tenantService, domainService::token));
        dev.berth.api.team.InvitationService invitationService = new dev.berth.api.team.InvitationService(jdbi, authService, mailer, clock);
        jersey.register(new AdminResource(tenantService, tenantSuspensions, siteService, views, certificateService, auditLog,
                invitationService, nodeService::nodeNames));
        jersey.register(new AdminHostResource(insights, clock));
        jersey.register(new dev.berth.api.admin.AdminUsersResource(accounts, authService, clock));
        jersey.register(new dev.berth.api.nodes.AdminNodesResource(nodeService));
        jersey.register(new dev.berth.api.nodes.NodeJoinResource(nodeService));
        jersey.register(new OperationsResource(jdbi));
        jersey.register(new DeploysResource(deployService, config.deploys.publicBaseUrl, deployWorker::nudge));
        jersey.register(new WebhooksResource(deployService, deployWorker::nudge));
        jersey.register(new dev.berth.api.deploys.PreviewsResource(deployService, views, Duration.ofDays(config.deploys.previewDays)));
        jersey.register(new AuditResource(auditLog));
        jersey.register(new dev.berth.api.team.MembersResource(new dev.berth.api.team.TeamService(jdbi, accounts)));
        jersey.register(new dev.berth.api.team.InvitationsResource(invitationService));
        jersey.register(new dev.berth.api.events.WebhookEndpointsResource(new dev.berth.api.events.WebhookService(jdbi, endpointPolicy, clock, config.events.maxEndpointsPerTenant, eventWorker::nudge)));
        jersey.register(new dev.berth.api.events.NotificationsResource(new dev.berth.api.events.NotificationService(jdbi)));

        bootstrapAdmin(config, authService);
    }

    /**
     * Jetty keeps the header lines a keep-alive connection repeats (Authorization among them) in a
     * per-connection cache and then matches them in place instead of parsing them byte by byte
     * into new strings. Dropwizard's default cache of 512 bytes is smaller than one of Berth's
     * access tokens (600 bytes and more), so every authenticated request parsed its token again:
     * a fifth of the CPU of {@code GET /sites}. Connectors left at that default get 4 KiB; a size
     * the operator configured is kept.
     */
    static void fitBearerTokensInHeaderCache(BerthConfiguration config) {
        for (io.dropwizard.jetty.ConnectorFactory connector : connectors(config, false)) {
            if (connector instanceof io.dropwizard.jetty.HttpConnectorFactory http
                    && http.getHeaderCacheSize().toBytes() == DROPWIZARD_HEADER_CACHE_BYTES) {
                http.setHeaderCacheSize(io.dropwizard.util.DataSize.kibibytes(4));
            }
        }
    }

    /**
     * A connector with {@code useForwardedHeaders} lets Jetty take the client's address (and scheme
     * and host) from headers any client can send, so a login spray could rotate its address at
     * will. Berth reads X-Forwarded-For itself, only from {@code platform.trustedProxies}; a
     * configuration asking Jetty to do it is refused at start-up.
     */
    static void refuseForwardedHeadersOnConnectors(BerthConfiguration config) {
        for (io.dropwizard.jetty.ConnectorFactory connector : connectors(config, true)) {
            if (connector instanceof io.dropwizard.jetty.HttpConnectorFactory http && http.isUseForwardedHeaders()) {
                throw new IllegalStateException("server connectors must not set useForwardedHeaders: Jetty would believe any "
                        + "client's X-Forwarded-For; list the reverse proxy in platform.trustedProxies instead");
            }
        }
    }

    /** The application connectors, and the admin connectors too when {@code withAdmin}. */
    private static java.util.List<io.dropwizard.jetty.ConnectorFactory> connectors(BerthConfiguration config, boolean withAdmin) {
        java.util.List<io.dropwizard.jetty.ConnectorFactory> connectors = new java.util.ArrayList<>();
        if (config.getServerFactory() instanceof io.dropwizard.core.server.DefaultServerFactory server) {
            connectors.addAll(server.getApplicationConnectors());
            if (withAdmin) {
                connectors.addAll(server.getAdminConnectors());
            }
        } else if (config.getServerFactory() instanceof io.dropwizard.core.server.SimpleServerFactory server) {
            connectors.add(server.getConnector());
        }
        return connectors;
    }

    /**
     * The portal routes in the browser (/sites/www-1, /tokens): a reload or a shared link of such a
     * path is answered with index.html. Paths under /api and paths naming a file (a dot in the last
     * segment) are left alone, so a missing asset or API resource still answers 404.
     */
    private static void addPortalFallback(Environment environment) {
        environment.servlets().addFilter("portal-fallback", (jakarta.servlet.Filter) (request, response, chain) -> {
            var http = (jakarta.servlet.http.HttpServletRequest) request;
            String path = http.getRequestURI().substring(http.getContextPath().length());
            boolean read = "GET".equals(http.getMethod()) || "HEAD".equals(http.getMethod());
            boolean clientRoute = read && !path.equals("/") && !path.equals("/api") && !path.startsWith("/api/")
                    && !path.substring(path.lastIndexOf('/') + 1).contains(".");
            if (clientRoute) {
                request.getRequestDispatcher("/index.html").forward(request, response);
            } else {
                chain.doFilter(request, response);
            }
        }).addMappingForUrlPatterns(java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST), false, "/*");
    }

    private static void bootstrapAdmin(BerthConfiguration config, AuthService authService) {
        String email = config.platform.adminEmail == null || config.platform.adminEmail.isBlank()
                ? "admin@berth.localhost" : config.platform.adminEmail.trim();
        boolean generated = config.platform.adminPassword == null || config.platform.adminPassword.isBlank();
        String password = generated ? Secrets.random("", 18) : config.platform.adminPassword;
        if (authService.ensureAdmin(email, password)) {
            if (generated) {
                // Printed once, on the console only: the operator needs it to log in the first time.
                System.out.println("Berth: created platform admin " + email + " with password " + password);
            } else {
                LOG.info("Created platform admin {}", email);
            }
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** For tests: move sites off lost and draining nodes by hand. */
    public NodeMover nodeMover() {
        return nodeMover;
    }

    /** Whether this replica leads the background loops, and which replicas live. For tests. */
    public dev.berth.api.platform.Leadership leadership() {
        return leadership;
    }

    /** For tests: drive the reconciler by hand. */
    public Reconciler reconciler() {
        return reconciler;
    }

    /** For tests: remove expired branch previews by hand; answers how many it removed. */
    public java.util.function.IntSupplier previewSweep() {
        return previewSweep;
    }

    /** For tests: run queued Git deploys by hand. */
    public DeployWorker deployWorker() {
        return deployWorker;
    }

    /** For tests: check custom domains by hand. */
    public DomainService domainService() {
        return domainService;
    }

    /** For tests: send queued mail by hand. */
    public dev.berth.api.mail.MailWorker mailWorker() {
        return mailWorker;
    }

    /** For tests: dispatch and deliver events by hand. */
    public dev.berth.api.events.EventWorker eventWorker() {
        return eventWorker;
    }

    /** For tests: run the quota and certificate watches by hand. */
    public dev.berth.api.tenants.QuotaWatch quotaWatch() {
        return quotaWatch;
    }

    public dev.berth.api.certificates.CertificateKeeper certificateKeeper() {
        return certificateKeeper;
    }

    public dev.berth.api.certificates.CertificateWatch certificateWatch() {
        return certificateWatch;
    }

    /** For tests: the database. */
    public Jdbi jdbi() {
        return jdbi;
    }

}
