package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.berth.sdk.ApiClient;
import dev.berth.sdk.ApiException;
import dev.berth.sdk.ApiResponse;
import dev.berth.sdk.api.AccountApi;
import dev.berth.sdk.api.AdminApi;
import dev.berth.sdk.api.AdminUsersApi;
import dev.berth.sdk.api.InvitationsApi;
import dev.berth.sdk.api.MembersApi;
import dev.berth.sdk.api.AuditApi;
import dev.berth.sdk.api.AuthApi;
import dev.berth.sdk.api.HealthApi;
import dev.berth.sdk.api.OperationsApi;
import dev.berth.sdk.api.SitesApi;
import dev.berth.sdk.api.TenantApi;
import dev.berth.sdk.api.TokensApi;
import dev.berth.sdk.api.TwoFactorApi;
import dev.berth.sdk.model.AcceptInvitationRequest;
import dev.berth.sdk.model.AssignableRole;
import dev.berth.sdk.model.AuditEntry;
import dev.berth.sdk.model.ChangePasswordRequest;
import dev.berth.sdk.model.CreateTenantRequest;
import dev.berth.sdk.model.CreatedTenant;
import dev.berth.sdk.model.LoginSession;
import dev.berth.sdk.model.Member;
import dev.berth.sdk.model.MemberList;
import dev.berth.sdk.model.PasswordResetConfirmation;
import dev.berth.sdk.model.PasswordResetRequest;
import dev.berth.sdk.model.UpdateMemberRequest;
import dev.berth.sdk.model.CreateInvitationRequest;
import dev.berth.sdk.model.Invitation;
import dev.berth.sdk.model.UpdateUserRequest;
import dev.berth.sdk.model.User;
import dev.berth.sdk.model.CreateSiteRequest;
import dev.berth.sdk.model.CreateTokenRequest;
import dev.berth.sdk.model.CreatedToken;
import dev.berth.sdk.model.DesiredState;
import dev.berth.sdk.model.LoginRequest;
import dev.berth.sdk.model.Me;
import dev.berth.sdk.model.ObservedState;
import dev.berth.sdk.model.Operation;
import dev.berth.sdk.model.Problem;
import dev.berth.sdk.model.Quota;
import dev.berth.sdk.model.SuspendTenantRequest;
import dev.berth.sdk.model.RefreshRequest;
import dev.berth.sdk.model.SignupRequest;
import dev.berth.sdk.model.Site;
import dev.berth.sdk.model.SiteList;
import dev.berth.sdk.model.Tenant;
import dev.berth.sdk.model.TokenPair;
import dev.berth.sdk.model.TokenScope;
import dev.berth.sdk.model.TotpConfirmation;
import dev.berth.sdk.model.TotpEnrolment;
import dev.berth.sdk.model.TotpProof;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Drives the real API, started as its own process, through the generated Java SDK only: what a
 * script author sees. hostd is not running, so sites stay {@code provisioning}. Every test signs up
 * its own tenant, so the tests are independent of each other and of their order.
 */
class SdkEndToEndTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ADMIN_EMAIL = "admin@e2e.berth.localhost";
    private static final String ADMIN_PASSWORD = "e2e-admin-" + randomHex(12);
    /** Small on purpose, so that raising it is visible with a handful of sites. */
    private static final int DEFAULT_MAX_SITES = 3;
    private static final String PROBLEMS = "https://berth.dev/problems/";
    /** Where the API writes each outgoing mail as an {@code .eml} file (its {@code files} transport). */
    private static final java.nio.file.Path MAIL = temporaryDirectory("berth-sdk-mail-");

    @RegisterExtension
    static final ApiProcess API = ApiProcess.builder()
            .name("sdk-e2e")
            .admin(ADMIN_EMAIL, ADMIN_PASSWORD)
            .defaultQuota("maxSites", DEFAULT_MAX_SITES)
            .defaultQuota("maxRunningSites", 5)
            // Webhook endpoints on loopback only: the test's own receiver.
            .extraConfiguration("""
                    events:
                      endpointAllowlist: ["127.0.0.1/32"]
                      allowPlainHttp: true
                      pollIntervalMillis: 200
                    # Every test signs up its own tenants, and logs in, from 127.0.0.1: more than the default
                    # 10 signups an hour and 30 logins a minute.
                    auth:
                      signupsPerAddressPerHour: 100
                      loginAttemptsPerAddress: 300
                    mail:
                      transport: files
                      directory: '%s'
                      pollIntervalMillis: 200
                    """.formatted(MAIL))
            .build();

    @org.junit.jupiter.api.AfterAll
    static void deleteMail() throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(MAIL)) {
            for (java.nio.file.Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(path);
            }
        }
    }

    @Test
    void healthAnswersOkWithoutCredentials() throws ApiException {
        assertThat(new HealthApi(anonymous()).getHealth().getStatus()).hasToString("ok");
    }

    @Test
    void tenantCreatesListsStopsAndDeletesSitesThenReadsUsageAndAudit() throws ApiException {
        String suffix = randomSuffix();
        String email = "owner-" + suffix + "@example.com";
        String password = "correct horse " + suffix;
        String tenantName = "acme-" + suffix;

        Me signedUp = new AuthApi(anonymous()).signup(new SignupRequest().email(email).password(password).tenantName(tenantName));
        assertThat(signedUp.getEmail()).isEqualTo(email);
        assertThat(signedUp.getTenantName()).isEqualTo(tenantName);
        assertThat(signedUp.getRole()).isEqualTo(dev.berth.sdk.model.Role.OWNER);
        assertThat(signedUp.getPlatformAdmin()).isFalse();

        TokenPair tokens = new AuthApi(anonymous()).login(new LoginRequest().email(email).password(password));
        assertThat(tokens.getTokenType()).isEqualTo(TokenPair.TokenTypeEnum.BEARER);
        assertThat(tokens.getExpiresIn()).isEqualTo(900);
        assertThat(tokens.getAccessToken().split("\\.")).hasSize(3);
        assertThat(tokens.getRefreshToken()).isNotBlank().isNotEqualTo(tokens.getAccessToken());

        ApiClient owner = bearer(tokens.getAccessToken());
        Me me = new AuthApi(owner).getMe();
        assertThat(me.getUserId()).isEqualTo(signedUp.getUserId());
        assertThat(me.getTenantId()).isEqualTo(signedUp.getTenantId());
        assertThat(me.getTokenScopes()).isNullOrEmpty();

        SitesApi sites = new SitesApi(owner);
        List<String> names = List.of("alpha-" + suffix, "bravo-" + suffix, "charlie-" + suffix);
        List<Site> created = names.stream().map(name -> create(sites, name)).toList();
        for (Site site : created) {
            assertThat(site.getHostname()).isEqualTo(site.getName() + ".localhost");
            assertThat(site.getUrl()).isEqualTo("http://" + site.getName() + ".localhost/");
            assertThat(site.getTenantId()).isEqualTo(me.getTenantId());
            assertThat(site.getDesiredState()).isEqualTo(DesiredState.RUNNING);
            assertThat(site.getObservedState()).isEqualTo(ObservedState.PROVISIONING);
            assertThat(site.getIpv4()).matches("10\\.1\\.1\\.([0-9]{1,3})").isNotEqualTo("10.1.1.254").isNotEqualTo("10.1.1.0");
            assertThat(site.getIpv6()).startsWith("fd42:b3f1:7a00:1:");
            assertThat(site.getCreatedAt()).isCloseTo(OffsetDateTime.now(), org.assertj.core.api.Assertions.within(Duration.ofMinutes(2)));
        }
        assertThat(created).extracting(Site::getIpv4).doesNotHaveDuplicates();
        assertThat(created).extracting(Site::getIpv6).doesNotHaveDuplicates();

        SiteList all = sites.listSites(null, null);
        assertThat(all.getItems()).extracting(Site::getName).containsExactlyElementsOf(names);
        assertThat(all.getNextCursor()).isNull();
        SiteList firstPage = sites.listSites(null, 2);
        assertThat(firstPage.getItems()).extracting(Site::getName).containsExactly(names.get(0), names.get(1));
        assertThat(firstPage.getNextCursor()).isNotBlank();
        SiteList secondPage = sites.listSites(firstPage.getNextCursor(), 2);
        assertThat(secondPage.getItems()).extracting(Site::getName).containsExactly(names.get(2));
        assertThat(secondPage.getNextCursor()).isNull();

        Site alpha = sites.getSite(names.get(0));
        assertThat(alpha).usingRecursiveComparison().isEqualTo(created.get(0));

        Operation stop = sites.stopSite(names.get(1));
        assertThat(stop.getKind()).isEqualTo(Operation.KindEnum.SITE_STOP);
        assertThat(stop.getTarget()).isEqualTo(names.get(1));
        assertThat(stop.getStatus()).isEqualTo(Operation.StatusEnum.PENDING);
        assertThat(new OperationsApi(owner).getOperation(stop.getId()).getKind()).isEqualTo(Operation.KindEnum.SITE_STOP);
        Site bravo = sites.getSite(names.get(1));
        assertThat(bravo.getDesiredState()).isEqualTo(DesiredState.STOPPED);
        assertThat(bravo.getUpdatedAt()).isAfterOrEqualTo(bravo.getCreatedAt());

        Operation delete = sites.deleteSite(names.get(2));
        assertThat(delete.getKind()).isEqualTo(Operation.KindEnum.SITE_DELETE);
        assertThat(delete.getTarget()).isEqualTo(names.get(2));
        // Without hostd nothing is ever removed from a host, so the site stays visible as deleting.
        assertThat(sites.getSite(names.get(2)).getObservedState()).isEqualTo(ObservedState.DELETING);
        ApiException stopDeleted = catchThrowableOfType(ApiException.class, () -> sites.stopSite(names.get(2)));
        assertThat(stopDeleted.getCode()).isEqualTo(409);

        Tenant tenant = new TenantApi(owner).getTenant();
        assertThat(tenant.getId()).isEqualTo(me.getTenantId());
        assertThat(tenant.getName()).isEqualTo(tenantName);
        assertThat(tenant.getQuota().getMaxSites()).isEqualTo(DEFAULT_MAX_SITES);
        assertThat(tenant.getUsage().getSites()).isEqualTo(3);
        assertThat(tenant.getUsage().getRunningSites()).as("alpha runs; bravo is stopped, charlie is being deleted").isEqualTo(1);

        List<AuditEntry> audit = new AuditApi(owner).listAudit(null, 200).getItems();
        assertThat(audit).allSatisfy(entry -> assertThat(entry.getTenantId()).isEqualTo(me.getTenantId()));
        assertThat(audit)
                .filteredOn(entry -> entry.getAction().endsWith("Site"))
                .extracting(AuditEntry::getAction, AuditEntry::getTarget, AuditEntry::getStatus, AuditEntry::getOutcome,
                        AuditEntry::getActorType, AuditEntry::getActorLabel, AuditEntry::getClientAddress)
                .containsExactlyInAnyOrder(
                        tuple("createSite", names.get(0), 201, AuditEntry.OutcomeEnum.SUCCESS, AuditEntry.ActorTypeEnum.USER, email, "127.0.0.1"),
                        tuple("createSite", names.get(1), 201, AuditEntry.OutcomeEnum.SUCCESS, AuditEntry.ActorTypeEnum.USER, email, "127.0.0.1"),
                        tuple("createSite", names.get(2), 201, AuditEntry.OutcomeEnum.SUCCESS, AuditEntry.ActorTypeEnum.USER, email, "127.0.0.1"),
                        tuple("stopSite", names.get(1), 202, AuditEntry.OutcomeEnum.SUCCESS, AuditEntry.ActorTypeEnum.USER, email, "127.0.0.1"),
                        tuple("deleteSite", names.get(2), 202, AuditEntry.OutcomeEnum.SUCCESS, AuditEntry.ActorTypeEnum.USER, email, "127.0.0.1"),
                        tuple("stopSite", names.get(2), 409, AuditEntry.OutcomeEnum.FAILURE, AuditEntry.ActorTypeEnum.USER, email, "127.0.0.1"));
        assertThat(audit).extracting(AuditEntry::getTime).isSortedAccordingTo((a, b) -> b.compareTo(a));
    }

    @Test
    void personalAccessTokenReadsUntilItIsRevokedThenGets401() throws ApiException {
        Account account = signUpAndLogIn();
        String siteName = "pat-" + account.suffix();
        create(new SitesApi(account.client()), siteName);

        TokensApi tokens = new TokensApi(account.client());
        CreatedToken created = tokens.createToken(new CreateTokenRequest().name("ci read").addScopesItem(TokenScope.READ).expiresInDays(30));
        assertThat(created.getToken()).startsWith("berth_pat_").startsWith(created.getPrefix());
        assertThat(created.getPrefix()).startsWith("berth_pat_");
        assertThat(created.getScopes()).containsExactly(TokenScope.READ);
        assertThat(created.getExpiresAt()).isBetween(OffsetDateTime.now().plusDays(29), OffsetDateTime.now().plusDays(31));
        assertThat(tokens.listTokens().getItems())
                .extracting(token -> token.getId(), token -> token.getName(), token -> token.getPrefix())
                .containsExactly(tuple(created.getId(), "ci read", created.getPrefix()));

        ApiClient script = bearer(created.getToken());
        assertThat(new SitesApi(script).listSites(null, null).getItems()).extracting(Site::getName).containsExactly(siteName);
        Me viaToken = new AuthApi(script).getMe();
        assertThat(viaToken.getUserId()).isEqualTo(account.me().getUserId());
        assertThat(viaToken.getTokenScopes()).containsExactly(TokenScope.READ);
        ApiException write = catchThrowableOfType(ApiException.class,
                () -> new SitesApi(script).createSite(new CreateSiteRequest().name("nope-" + account.suffix()), null));
        assertThat(write.getCode()).isEqualTo(403);
        assertThat(problemOf(write).getType()).isEqualTo(PROBLEMS + "insufficient-scope");

        tokens.deleteToken(created.getId());

        ApiException revoked = catchThrowableOfType(ApiException.class, () -> new SitesApi(script).listSites(null, null));
        assertThat(revoked.getCode()).isEqualTo(401);
        assertThat(problemOf(revoked).getType()).isEqualTo(PROBLEMS + "invalid-token");
        assertThat(revoked.getResponseHeaders().firstValue("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
        assertThat(tokens.listTokens().getItems()).isEmpty();
    }

    @Test
    void adminRaisesMaxSitesWithIfMatchAndTheTenantCanThenCreateMore() throws ApiException {
        Account account = signUpAndLogIn();
        SitesApi sites = new SitesApi(account.client());
        for (int index = 1; index <= DEFAULT_MAX_SITES; index++) {
            create(sites, "q" + index + "-" + account.suffix());
        }
        ApiException full = catchThrowableOfType(ApiException.class,
                () -> sites.createSite(new CreateSiteRequest().name("q4-" + account.suffix()), null));
        assertThat(full.getCode()).isEqualTo(422);
        assertThat(problemOf(full).getType()).isEqualTo(PROBLEMS + "quota-exceeded");

        ApiException notAdmin = catchThrowableOfType(ApiException.class, () -> new AdminApi(account.client()).adminListTenants(null, null));
        assertThat(notAdmin.getCode()).isEqualTo(403);

        TokenPair adminTokens = new AuthApi(anonymous()).login(new LoginRequest().email(ADMIN_EMAIL).password(ADMIN_PASSWORD));
        ApiClient adminClient = bearer(adminTokens.getAccessToken());
        assertThat(new AuthApi(adminClient).getMe().getPlatformAdmin()).isTrue();
        AdminApi admin = new AdminApi(adminClient);

        UUID tenantId = account.me().getTenantId();
        assertThat(allTenants(admin)).filteredOn(tenant -> tenant.getId().equals(tenantId))
                .singleElement()
                .satisfies(tenant -> {
                    assertThat(tenant.getName()).isEqualTo(account.me().getTenantName());
                    assertThat(tenant.getQuota().getMaxSites()).isEqualTo(DEFAULT_MAX_SITES);
                    assertThat(tenant.getUsage().getSites()).isEqualTo(DEFAULT_MAX_SITES);
                });

        ApiResponse<Quota> read = admin.adminGetQuotaWithHttpInfo(tenantId);
        String etag = header(read, "ETag");
        assertThat(etag).isNotBlank();
        Quota quota = read.getData();
        assertThat(quota.getMaxSites()).isEqualTo(DEFAULT_MAX_SITES);
        int raised = DEFAULT_MAX_SITES + 2;

        ApiResponse<Quota> written = admin.adminPutQuotaWithHttpInfo(tenantId, copy(quota).maxSites(raised), etag);
        assertThat(written.getStatusCode()).isEqualTo(200);
        assertThat(written.getData()).usingRecursiveComparison().isEqualTo(copy(quota).maxSites(raised));
        assertThat(header(written, "ETag")).isNotBlank().isNotEqualTo(etag);
        assertThat(admin.adminGetQuota(tenantId).getMaxSites()).isEqualTo(raised);

        ApiException stale = catchThrowableOfType(ApiException.class,
                () -> admin.adminPutQuota(tenantId, copy(quota).maxSites(DEFAULT_MAX_SITES + 10), etag));
        assertThat(stale.getCode()).isEqualTo(412);
        assertThat(problemOf(stale).getType()).isEqualTo(PROBLEMS + "precondition-failed");
        assertThat(admin.adminGetQuota(tenantId).getMaxSites()).as("a stale If-Match changes nothing").isEqualTo(raised);

        create(sites, "q4-" + account.suffix());
        create(sites, "q5-" + account.suffix());
        ApiException fullAgain = catchThrowableOfType(ApiException.class,
                () -> sites.createSite(new CreateSiteRequest().name("q6-" + account.suffix()), null));
        assertThat(fullAgain.getCode()).isEqualTo(422);
        Tenant tenant = new TenantApi(account.client()).getTenant();
        assertThat(tenant.getQuota().getMaxSites()).isEqualTo(raised);
        assertThat(tenant.getUsage().getSites()).isEqualTo(raised);
        assertThat(sites.listSites(null, null).getItems()).hasSize(raised);
    }

    @Test
    void anAdminSuspendsATenantWhoseWritesAreRefusedStopsItsSiteAndReadsTheFilteredAuditLog() throws ApiException {
        Account account = signUpAndLogIn();
        SitesApi sites = new SitesApi(account.client());
        String siteName = "sus-" + account.suffix();
        create(sites, siteName);
        TokenPair adminTokens = new AuthApi(anonymous()).login(new LoginRequest().email(ADMIN_EMAIL).password(ADMIN_PASSWORD));
        AdminApi admin = new AdminApi(bearer(adminTokens.getAccessToken()));
        UUID tenantId = account.me().getTenantId();

        Tenant suspended = admin.adminSuspendTenant(tenantId, new SuspendTenantRequest().reason("terms of service, section 4"));
        assertThat(suspended.getSuspendedAt()).isNotNull();
        assertThat(suspended.getSuspensionReason()).isEqualTo("terms of service, section 4");
        ApiException refused = catchThrowableOfType(ApiException.class, () -> sites.stopSite(siteName));
        assertThat(refused.getCode()).isEqualTo(403);
        assertThat(problemOf(refused).getType()).isEqualTo(PROBLEMS + "tenant-suspended");
        assertThat(sites.getSite(siteName).getName()).as("reads still work").isEqualTo(siteName);
        assertThat(new TenantApi(account.client()).getTenant().getSuspensionReason()).isEqualTo("terms of service, section 4");

        assertThat(admin.adminStopSite(siteName).getKind().getValue()).isEqualTo("site.stop");
        assertThat(sites.getSite(siteName).getDesiredState().getValue()).isEqualTo("stopped");
        assertThat(admin.adminUnsuspendTenant(tenantId).getSuspendedAt()).isNull();
        assertThat(sites.startSite(siteName).getKind().getValue()).isEqualTo("site.start");

        List<String> actions = admin.adminListAudit(tenantId.toString(), null, null, null, null, null, 50).getItems().stream()
                .map(entry -> entry.getAction()).toList();
        assertThat(actions).startsWith("startSite", "adminUnsuspendTenant", "adminStopSite", "stopSite", "adminSuspendTenant");
        assertThat(admin.adminListAudit(tenantId.toString(), null, "adminSuspendTenant", null, null, null, 50).getItems())
                .singleElement().satisfies(entry -> assertThat(entry.getActorLabel()).isEqualTo(ADMIN_EMAIL));
        ApiException badFilter = catchThrowableOfType(ApiException.class,
                () -> admin.adminListAudit(null, null, null, "yesterday", null, null, 50));
        assertThat(badFilter.getCode()).isEqualTo(400);
    }

    @Test
    void refreshRotatesTheTokenAndReplayingAnOldOneEndsTheSession() throws ApiException {
        String suffix = randomSuffix();
        String email = "owner-" + suffix + "@example.com";
        String password = "correct horse " + suffix;
        new AuthApi(anonymous()).signup(new SignupRequest().email(email).password(password).tenantName("s-" + suffix));
        TokenPair first = new AuthApi(anonymous()).login(new LoginRequest().email(email).password(password));

        TokenPair second = new AuthApi(anonymous()).refresh(new RefreshRequest().refreshToken(first.getRefreshToken()));
        assertThat(second.getRefreshToken()).isNotEqualTo(first.getRefreshToken());
        assertThat(second.getAccessToken()).isNotEqualTo(first.getAccessToken());
        assertThat(new AuthApi(bearer(second.getAccessToken())).getMe().getEmail()).isEqualTo(email);

        ApiException replay = catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).refresh(new RefreshRequest().refreshToken(first.getRefreshToken())));
        assertThat(replay.getCode()).isEqualTo(401);
        assertThat(problemOf(replay).getType()).isEqualTo(PROBLEMS + "invalid-token");

        // The replay revoked the whole session: the rotated refresh token and its access token are dead too.
        ApiException rotated = catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).refresh(new RefreshRequest().refreshToken(second.getRefreshToken())));
        assertThat(rotated.getCode()).isEqualTo(401);
        ApiException access = catchThrowableOfType(ApiException.class, () -> new AuthApi(bearer(second.getAccessToken())).getMe());
        assertThat(access.getCode()).isEqualTo(401);

        TokenPair fresh = new AuthApi(anonymous()).login(new LoginRequest().email(email).password(password));
        assertThat(new AuthApi(bearer(fresh.getAccessToken())).getMe().getEmail()).as("a new login is unaffected").isEqualTo(email);
    }

    @Test
    void logoutEndsTheSessionOfItsRefreshToken() throws ApiException {
        String suffix = randomSuffix();
        String email = "owner-" + suffix + "@example.com";
        String password = "correct horse " + suffix;
        new AuthApi(anonymous()).signup(new SignupRequest().email(email).password(password).tenantName("l-" + suffix));
        TokenPair tokens = new AuthApi(anonymous()).login(new LoginRequest().email(email).password(password));
        ApiClient client = bearer(tokens.getAccessToken());

        new AuthApi(client).logout(new RefreshRequest().refreshToken(tokens.getRefreshToken()));

        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(client).getMe()).getCode()).isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).refresh(new RefreshRequest().refreshToken(tokens.getRefreshToken()))).getCode())
                .isEqualTo(401);
    }

    @Test
    void createSiteWithTheSameIdempotencyKeyReturnsTheFirstSite() throws ApiException {
        Account account = signUpAndLogIn();
        SitesApi sites = new SitesApi(account.client());
        String name = "idem-" + account.suffix();
        String key = UUID.randomUUID().toString();

        ApiResponse<Site> first = sites.createSiteWithHttpInfo(new CreateSiteRequest().name(name), key);
        ApiResponse<Site> again = sites.createSiteWithHttpInfo(new CreateSiteRequest().name(name), key);

        assertThat(first.getStatusCode()).isEqualTo(201);
        assertThat(again.getStatusCode()).isEqualTo(201);
        assertThat(header(first, "Location")).endsWith("/api/v1/sites/" + name);
        assertThat(header(again, "Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.getData()).usingRecursiveComparison().isEqualTo(first.getData());
        assertThat(sites.listSites(null, null).getItems()).extracting(Site::getName).containsExactly(name);

        ApiException reused = catchThrowableOfType(ApiException.class,
                () -> sites.createSite(new CreateSiteRequest().name("other-" + account.suffix()), key));
        assertThat(reused.getCode()).isEqualTo(409);
        assertThat(problemOf(reused).getType()).isEqualTo(PROBLEMS + "idempotency-key-reused");
        ApiException taken = catchThrowableOfType(ApiException.class, () -> sites.createSite(new CreateSiteRequest().name(name), null));
        assertThat(taken.getCode()).isEqualTo(409);
        assertThat(problemOf(taken).getType()).isEqualTo(PROBLEMS + "name-taken");
    }

    @Test
    void webhookEndpointReceivesSignedEventsThatVerifyAndListsItsDeliveries() throws Exception {
        Account account = signUpAndLogIn();
        java.util.List<java.util.Map<String, String>> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(Map.of("id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "signature", exchange.getRequestHeaders().getFirst("webhook-signature"),
                    "body", new String(body, java.nio.charset.StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            dev.berth.sdk.api.WebhookEndpointsApi webhooks = new dev.berth.sdk.api.WebhookEndpointsApi(account.client());
            dev.berth.sdk.model.CreatedWebhookEndpoint endpoint = webhooks.createWebhookEndpoint(new dev.berth.sdk.model.CreateWebhookEndpointRequest()
                    .url("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook").description("sdk")
                    .eventTypes(new java.util.LinkedHashSet<>(List.of(dev.berth.sdk.model.EventType.SITE_CREATED))));
            assertThat(endpoint.getSecret()).startsWith("whsec_");
            assertThat(webhooks.getWebhookEndpoint(endpoint.getId()).getEventTypes()).containsExactly(dev.berth.sdk.model.EventType.SITE_CREATED);
            ApiException refused = catchThrowableOfType(ApiException.class, () -> webhooks.createWebhookEndpoint(
                    new dev.berth.sdk.model.CreateWebhookEndpointRequest().url("https://169.254.169.254/latest")
                            .eventTypes(new java.util.LinkedHashSet<>(List.of(dev.berth.sdk.model.EventType.SITE_CREATED)))));
            assertThat(refused.getCode()).isEqualTo(400);

            String siteName = "hooked-" + account.suffix();
            create(new SitesApi(account.client()), siteName);
            webhooks.testWebhookEndpoint(endpoint.getId());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (received.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(received).hasSize(2);
            javax.crypto.Mac hmac = javax.crypto.Mac.getInstance("HmacSHA256");
            hmac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(endpoint.getSecret().substring(6)), "HmacSHA256"));
            for (Map<String, String> delivery : received) {
                String expected = "v1," + java.util.Base64.getEncoder().encodeToString(hmac.doFinal(
                        (delivery.get("id") + "." + delivery.get("timestamp") + "." + delivery.get("body")).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                assertThat(List.of(delivery.get("signature").split(" "))).contains(expected);
            }
            assertThat(received).anyMatch(delivery -> delivery.get("body").contains("\"type\":\"site.created\"")
                    && delivery.get("body").contains("\"site\":\"" + siteName + "\""));
            assertThat(received).anyMatch(delivery -> delivery.get("body").contains("\"type\":\"webhook.test\""));
            while (webhooks.listWebhookDeliveries(endpoint.getId(), null, null).getItems().stream()
                    .anyMatch(d -> d.getStatus() != dev.berth.sdk.model.WebhookDelivery.StatusEnum.SUCCEEDED) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(webhooks.listWebhookDeliveries(endpoint.getId(), null, null).getItems()).hasSize(2)
                    .allSatisfy(d -> assertThat(d.getResponseStatus()).isEqualTo(204));
            dev.berth.sdk.model.WebhookDelivery tested = webhooks.listWebhookDeliveries(endpoint.getId(), null, null).getItems().stream()
                    .filter(d -> d.getEventType().getValue().equals("webhook.test")).findFirst().orElseThrow();
            dev.berth.sdk.model.WebhookDelivery redelivered = webhooks.redeliverWebhookDelivery(endpoint.getId(), tested.getId());
            assertThat(redelivered.getEventId()).as("the same event, sent again").isEqualTo(tested.getEventId());
            assertThat(redelivered.getStatus()).isEqualTo(dev.berth.sdk.model.WebhookDelivery.StatusEnum.PENDING);
            while (received.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(received).hasSize(3);
            Map<String, String> resent = received.get(2);
            assertThat(resent.get("id")).isEqualTo(tested.getEventId().toString());
            assertThat(List.of(resent.get("signature").split(" "))).contains("v1," + java.util.Base64.getEncoder().encodeToString(hmac.doFinal(
                    (resent.get("id") + "." + resent.get("timestamp") + "." + resent.get("body")).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            assertThat(resent.get("body")).contains("\"type\":\"webhook.test\"");

            dev.berth.sdk.api.NotificationsApi notifications = new dev.berth.sdk.api.NotificationsApi(account.client());
            assertThat(notifications.putNotificationPreferences(new dev.berth.sdk.model.NotificationPreferencesRequest()
                    .eventTypes(new java.util.LinkedHashSet<>(List.of(dev.berth.sdk.model.EventType.DEPLOY_FAILED)))).getEmail())
                    .isEqualTo(account.email());
            webhooks.deleteWebhookEndpoint(endpoint.getId());
            assertThat(catchThrowableOfType(ApiException.class, () -> webhooks.getWebhookEndpoint(endpoint.getId())).getCode()).isEqualTo(404);
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void twoFactorSignInIsEnrolledWithAComputedCodeAndThenLoginNeedsACodeOrARecoveryCode() throws Exception {
        Account account = signUpAndLogIn();
        String password = "correct horse " + account.suffix();
        TwoFactorApi twoFactor = new TwoFactorApi(account.client());
        TotpEnrolment enrolment = twoFactor.startTotpEnrolment();
        assertThat(enrolment.getOtpauthUri()).startsWith("otpauth://totp/").contains("secret=" + enrolment.getSecret());
        byte[] key = base32(enrolment.getSecret());
        long step = System.currentTimeMillis() / 30_000;

        List<String> recovery = twoFactor.confirmTotp(new TotpConfirmation().code(totp(key, step))).getRecoveryCodes();
        assertThat(recovery).hasSize(10);

        LoginRequest login = new LoginRequest().email(account.email()).password(password);
        ApiException passwordOnly = catchThrowableOfType(ApiException.class, () -> new AuthApi(anonymous()).login(login));
        assertThat(passwordOnly.getCode()).isEqualTo(401);
        assertThat(problemOf(passwordOnly).getType()).isEqualTo(PROBLEMS + "totp-required");
        TokenPair withCode = new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password).totpCode(totp(key, step + 1)));
        ApiClient second = bearer(withCode.getAccessToken());
        assertThat(new AuthApi(second).getMe().getTotpEnabled()).isTrue();
        ApiException replayed = catchThrowableOfType(ApiException.class, () -> new AuthApi(anonymous())
                .login(new LoginRequest().email(account.email()).password(password).totpCode(totp(key, step + 1))));
        assertThat(problemOf(replayed).getType()).isEqualTo(PROBLEMS + "totp-invalid");
        new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password).recoveryCode(recovery.get(0)));
        assertThat(new TwoFactorApi(second).getTotp().getRecoveryCodesLeft()).isEqualTo(9);

        // The DELETE carries its proof in a JSON body: the generated client sends it.
        new TwoFactorApi(second).disableTotp(new TotpProof().password(password));
        assertThat(new AuthApi(anonymous()).login(login).getAccessToken()).isNotEmpty();
    }

    @Test
    void anAdminListsDisablesEnablesAndRemovesUsersAndCannotRemoveAnOwnerWithSites() throws Exception {
        Account account = signUpAndLogIn();
        String password = "correct horse " + account.suffix();
        TokenPair adminTokens = new AuthApi(anonymous()).login(new LoginRequest().email(ADMIN_EMAIL).password(ADMIN_PASSWORD));
        AdminUsersApi users = new AdminUsersApi(bearer(adminTokens.getAccessToken()));
        UUID userId = account.me().getUserId();

        assertThat(allUsers(users)).filteredOn(user -> user.getId().equals(userId)).singleElement().satisfies(user -> {
            assertThat(user.getEmail()).isEqualTo(account.email());
            assertThat(user.getTenantId()).isEqualTo(account.me().getTenantId());
            assertThat(user.getRole()).isEqualTo(dev.berth.sdk.model.Role.OWNER);
            assertThat(user.getDisabledAt()).isNull();
        });
        ApiException notAdmin = catchThrowableOfType(ApiException.class, () -> new AdminUsersApi(account.client()).adminListUsers(null, null));
        assertThat(notAdmin.getCode()).isEqualTo(403);

        User disabled = users.adminUpdateUser(userId, new UpdateUserRequest().disabled(true));
        assertThat(disabled.getDisabledAt()).isNotNull();
        ApiException login = catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password)));
        assertThat(login.getCode()).isEqualTo(403);
        assertThat(problemOf(login).getType()).isEqualTo(PROBLEMS + "account-disabled");
        ApiException token = catchThrowableOfType(ApiException.class, () -> new AuthApi(account.client()).getMe());
        assertThat(token.getCode()).as("the disabled account's access token is refused").isEqualTo(401);
        assertThat(problemOf(token).getType()).isEqualTo(PROBLEMS + "invalid-token");

        assertThat(users.adminUpdateUser(userId, new UpdateUserRequest().disabled(false)).getDisabledAt()).isNull();
        ApiClient again = bearer(new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password)).getAccessToken());
        create(new SitesApi(again), "kept-" + account.suffix());

        ApiException owner = catchThrowableOfType(ApiException.class, () -> users.adminRemoveUser(userId));
        assertThat(owner.getCode()).isEqualTo(409);
        assertThat(problemOf(owner).getType()).isEqualTo(PROBLEMS + "tenant-owner");
        assertThat(new AuthApi(again).getMe().getUserId()).as("a refused removal changes nothing").isEqualTo(userId);

        Account alone = signUpAndLogIn();
        users.adminRemoveUser(alone.me().getUserId());
        assertThat(allUsers(users)).extracting(User::getId).contains(userId).doesNotContain(alone.me().getUserId());
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(alone.client()).getMe()).getCode()).isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(anonymous())
                .login(new LoginRequest().email(alone.email()).password("correct horse " + alone.suffix()))).getCode()).isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class, () -> users.adminRemoveUser(alone.me().getUserId())).getCode()).isEqualTo(404);
    }

    @Test
    void sessionsAreListedAndEndedOneByOneAndAPasswordChangeEndsEveryOtherSession() throws Exception {
        Account account = signUpAndLogIn();
        String password = "correct horse " + account.suffix();
        AccountApi mine = new AccountApi(account.client());
        TokenPair second = new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password));
        TokenPair third = new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password));

        List<LoginSession> sessions = mine.listSessions().getItems();
        assertThat(sessions).hasSize(3);
        assertThat(sessions).filteredOn(LoginSession::getCurrent).singleElement()
                .satisfies(current -> assertThat(current.getClientAddress()).isEqualTo("127.0.0.1"));
        assertThat(sessions).allSatisfy(session -> assertThat(session.getExpiresAt()).isAfter(session.getCreatedAt()));
        // The second session's id, seen from the second session itself.
        UUID secondId = new AccountApi(bearer(second.getAccessToken())).listSessions().getItems().stream()
                .filter(LoginSession::getCurrent).findFirst().orElseThrow().getId();
        mine.endSession(secondId);
        assertThat(mine.listSessions().getItems()).hasSize(2).extracting(LoginSession::getId).doesNotContain(secondId);
        assertThat(catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).refresh(new RefreshRequest().refreshToken(second.getRefreshToken()))).getCode()).isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class, () -> mine.endSession(secondId)).getCode())
                .as("an ended session is gone").isEqualTo(404);

        ApiException wrong = catchThrowableOfType(ApiException.class,
                () -> mine.changePassword(new ChangePasswordRequest().currentPassword("not the password").newPassword("a new long password")));
        assertThat(wrong.getCode()).isEqualTo(403);
        assertThat(problemOf(wrong).getType()).isEqualTo(PROBLEMS + "wrong-password");
        String newPassword = "a new long password " + account.suffix();
        mine.changePassword(new ChangePasswordRequest().currentPassword(password).newPassword(newPassword));

        assertThat(new AuthApi(account.client()).getMe().getEmail()).as("the caller's session goes on").isEqualTo(account.email());
        assertThat(mine.listSessions().getItems()).singleElement().satisfies(session -> assertThat(session.getCurrent()).isTrue());
        assertThat(catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).refresh(new RefreshRequest().refreshToken(third.getRefreshToken()))).getCode())
                .as("every other session ends").isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class,
                () -> new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(password))).getCode()).isEqualTo(401);
        assertThat(new AuthApi(anonymous()).login(new LoginRequest().email(account.email()).password(newPassword)).getAccessToken())
                .isNotEmpty();
    }

    @Test
    void aForgottenPasswordIsResetOnceFromTheMailedLinkAndEveryOldSessionEnds() throws Exception {
        Account account = signUpAndLogIn();
        AccountApi anonymousAccount = new AccountApi(anonymous());
        anonymousAccount.requestPasswordReset(new PasswordResetRequest().email(account.email()));
        // No account has this address: the same silent answer.
        anonymousAccount.requestPasswordReset(new PasswordResetRequest().email("nobody-" + account.suffix() + "@example.com"));
        String token = awaitMailedTokens(account.email(), "/reset-password", 1).get(0);
        assertThat(token).startsWith("berth_pr_");

        String newPassword = "reset to a long password " + account.suffix();
        anonymousAccount.confirmPasswordReset(new PasswordResetConfirmation().token(token).newPassword(newPassword));
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(account.client()).getMe()).getCode())
                .as("every login session ends").isEqualTo(401);
        ApiException again = catchThrowableOfType(ApiException.class, () -> anonymousAccount.confirmPasswordReset(
                new PasswordResetConfirmation().token(token).newPassword("yet another long password")));
        assertThat(again.getCode()).as("the link works once").isEqualTo(400);
        assertThat(problemOf(again).getType()).isEqualTo(PROBLEMS + "reset-token-invalid");
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(anonymous())
                .login(new LoginRequest().email(account.email()).password("correct horse " + account.suffix()))).getCode()).isEqualTo(401);
        Me me = new AuthApi(bearer(new AuthApi(anonymous())
                .login(new LoginRequest().email(account.email()).password(newPassword)).getAccessToken())).getMe();
        assertThat(me.getUserId()).isEqualTo(account.me().getUserId());
    }

    @Test
    void aTeamChangesRolesHandsOverOwnershipAndItsMembersAreRemovedOrLeave() throws Exception {
        Account owner = signUpAndLogIn();
        MembersApi members = new MembersApi(owner.client());
        String developerEmail = "dev-" + owner.suffix() + "@example.com";
        String viewerEmail = "viewer-" + owner.suffix() + "@example.com";
        ApiClient developer = joined(owner, developerEmail, AssignableRole.DEVELOPER);
        ApiClient viewer = joined(owner, viewerEmail, AssignableRole.VIEWER);
        UUID developerId = new AuthApi(developer).getMe().getUserId();
        UUID viewerId = new AuthApi(viewer).getMe().getUserId();

        assertThat(members.listMembers().getItems()).extracting(Member::getEmail, Member::getRole).containsExactlyInAnyOrder(
                tuple(owner.email(), dev.berth.sdk.model.Role.OWNER), tuple(developerEmail, dev.berth.sdk.model.Role.DEVELOPER),
                tuple(viewerEmail, dev.berth.sdk.model.Role.VIEWER));
        ApiException notAllowed = catchThrowableOfType(ApiException.class,
                () -> new MembersApi(viewer).updateMember(developerId, new UpdateMemberRequest().role(AssignableRole.VIEWER)));
        assertThat(notAllowed.getCode()).as("a viewer manages no one").isEqualTo(403);
        Member promoted = members.updateMember(developerId, new UpdateMemberRequest().role(AssignableRole.ADMIN));
        assertThat(promoted.getRole()).isEqualTo(dev.berth.sdk.model.Role.ADMIN);
        assertThat(new AuthApi(developer).getMe().getRole()).isEqualTo(dev.berth.sdk.model.Role.ADMIN);

        ApiException ownerLeaves = catchThrowableOfType(ApiException.class, () -> members.leaveTenant());
        assertThat(ownerLeaves.getCode()).as("the owner hands the tenant over first").isEqualTo(409);
        MemberList handedOver = members.transferOwnership(developerId);
        assertThat(handedOver.getItems()).extracting(Member::getUserId, Member::getRole).contains(
                tuple(developerId, dev.berth.sdk.model.Role.OWNER), tuple(owner.me().getUserId(), dev.berth.sdk.model.Role.ADMIN));
        ApiException removeOwner = catchThrowableOfType(ApiException.class, () -> members.removeMember(developerId));
        assertThat(removeOwner.getCode()).as("an admin cannot remove the owner").isEqualTo(403);

        MembersApi newOwner = new MembersApi(developer);
        newOwner.removeMember(viewerId);
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(viewer).getMe()).getCode()).isEqualTo(401);
        members.leaveTenant();
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(owner.client()).getMe()).getCode()).isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class, () -> new AuthApi(anonymous())
                .login(new LoginRequest().email(owner.email()).password("correct horse " + owner.suffix()))).getCode()).isEqualTo(401);
        assertThat(newOwner.listMembers().getItems()).extracting(Member::getUserId, Member::getRole)
                .containsExactly(tuple(developerId, dev.berth.sdk.model.Role.OWNER));
        assertThat(catchThrowableOfType(ApiException.class, () -> newOwner.removeMember(viewerId)).getCode()).isEqualTo(404);
    }

    /** Invites {@code email} into the owner's tenant, accepts the mailed link and logs the new member in. */
    private static ApiClient joined(Account owner, String email, AssignableRole role) throws Exception {
        new InvitationsApi(owner.client()).createInvitation(new CreateInvitationRequest().email(email).role(role));
        String password = "correct horse member " + owner.suffix();
        new InvitationsApi(anonymous()).acceptInvitation(awaitInvitationTokens(email, 1).get(0), new AcceptInvitationRequest().password(password));
        return bearer(new AuthApi(anonymous()).login(new LoginRequest().email(email).password(password)).getAccessToken());
    }

    @Test
    void anAdminCreatesATenantForItsInvitedOwnerThenStopsStartsAndDeletesItsSiteAudited() throws Exception {
        String suffix = randomSuffix();
        String tenantName = "made-" + suffix;
        String ownerEmail = "made-" + suffix + "@example.com";
        TokenPair adminTokens = new AuthApi(anonymous()).login(new LoginRequest().email(ADMIN_EMAIL).password(ADMIN_PASSWORD));
        ApiClient adminClient = bearer(adminTokens.getAccessToken());
        AdminApi admin = new AdminApi(adminClient);
        UUID adminId = new AuthApi(adminClient).getMe().getUserId();

        CreatedTenant created = admin.adminCreateTenant(new CreateTenantRequest().tenantName(tenantName).ownerEmail(ownerEmail));
        assertThat(created.getTenant().getName()).isEqualTo(tenantName);
        assertThat(created.getInvitation().getEmail()).isEqualTo(ownerEmail);
        assertThat(created.getInvitation().getRole()).isEqualTo(dev.berth.sdk.model.Role.OWNER);
        UUID tenantId = created.getTenant().getId();
        assertThat(allTenants(admin)).extracting(Tenant::getId).contains(tenantId);
        ApiException taken = catchThrowableOfType(ApiException.class,
                () -> admin.adminCreateTenant(new CreateTenantRequest().tenantName(tenantName).ownerEmail("other-" + ownerEmail)));
        assertThat(taken.getCode()).isEqualTo(409);

        String password = "correct horse owner " + suffix;
        new InvitationsApi(anonymous()).acceptInvitation(awaitInvitationTokens(ownerEmail, 1).get(0),
                new AcceptInvitationRequest().password(password));
        ApiClient owner = bearer(new AuthApi(anonymous()).login(new LoginRequest().email(ownerEmail).password(password)).getAccessToken());
        Me me = new AuthApi(owner).getMe();
        assertThat(me.getTenantId()).isEqualTo(tenantId);
        assertThat(me.getRole()).isEqualTo(dev.berth.sdk.model.Role.OWNER);

        SitesApi sites = new SitesApi(owner);
        String siteName = "made-" + suffix;
        create(sites, siteName);
        Operation stop = admin.adminStopSite(siteName);
        assertThat(stop.getKind()).isEqualTo(Operation.KindEnum.SITE_STOP);
        assertThat(sites.getSite(siteName).getDesiredState()).isEqualTo(DesiredState.STOPPED);
        assertThat(new OperationsApi(owner).getOperation(stop.getId()).getId()).as("the operation is the tenant's").isEqualTo(stop.getId());
        Operation start = admin.adminStartSite(siteName);
        assertThat(start.getKind()).isEqualTo(Operation.KindEnum.SITE_START);
        assertThat(sites.getSite(siteName).getDesiredState()).isEqualTo(DesiredState.RUNNING);
        Operation delete = admin.adminDeleteSite(siteName);
        assertThat(delete.getKind()).isEqualTo(Operation.KindEnum.SITE_DELETE);
        // Without hostd nothing is ever removed from a host, so the site stays visible as deleting.
        assertThat(sites.getSite(siteName).getObservedState()).isEqualTo(ObservedState.DELETING);
        assertThat(catchThrowableOfType(ApiException.class, () -> admin.adminStartSite("missing-" + suffix)).getCode()).isEqualTo(404);

        List<AuditEntry> audit = admin.adminListAudit(tenantId.toString(), adminId.toString(), null, null, null, null, 50).getItems();
        assertThat(audit).extracting(AuditEntry::getAction, AuditEntry::getTarget, AuditEntry::getActorLabel).containsExactly(
                tuple("adminDeleteSite", siteName, ADMIN_EMAIL), tuple("adminStartSite", siteName, ADMIN_EMAIL),
                tuple("adminStopSite", siteName, ADMIN_EMAIL), tuple("adminCreateTenant", tenantId.toString(), ADMIN_EMAIL));
    }

    @Test
    void resendingAnInvitationMailsANewLinkAndOnlyTheNewLinkIsAccepted() throws Exception {
        Account account = signUpAndLogIn();
        InvitationsApi invitations = new InvitationsApi(account.client());
        String invitee = "dev-" + account.suffix() + "@example.com";

        Invitation first = invitations.createInvitation(new CreateInvitationRequest().email(invitee).role(AssignableRole.DEVELOPER));
        String firstToken = awaitInvitationTokens(invitee, 1).get(0);
        Thread.sleep(1100);
        Invitation resent = invitations.resendInvitation(first.getId());

        assertThat(resent.getId()).isNotEqualTo(first.getId());
        assertThat(resent.getEmail()).isEqualTo(invitee);
        assertThat(resent.getRole()).isEqualTo(dev.berth.sdk.model.Role.DEVELOPER);
        assertThat(resent.getExpiresAt()).isAfter(first.getExpiresAt())
                .isCloseTo(OffsetDateTime.now().plusDays(7), org.assertj.core.api.Assertions.within(Duration.ofMinutes(2)));
        assertThat(invitations.listInvitations().getItems()).extracting(Invitation::getId).containsExactly(resent.getId());
        List<String> tokens = awaitInvitationTokens(invitee, 2);
        String secondToken = tokens.stream().filter(candidate -> !candidate.equals(firstToken)).findFirst().orElseThrow();

        AcceptInvitationRequest accept = new AcceptInvitationRequest().password("correct horse dev " + account.suffix());
        ApiException stale = catchThrowableOfType(ApiException.class, () -> new InvitationsApi(anonymous()).acceptInvitation(firstToken, accept));
        assertThat(stale.getCode()).isEqualTo(400);
        assertThat(problemOf(stale).getType()).isEqualTo(PROBLEMS + "invitation-invalid");
        new InvitationsApi(anonymous()).acceptInvitation(secondToken, accept);
        Me member = new AuthApi(bearer(new AuthApi(anonymous())
                .login(new LoginRequest().email(invitee).password("correct horse dev " + account.suffix())).getAccessToken())).getMe();
        assertThat(member.getTenantId()).isEqualTo(account.me().getTenantId());
        assertThat(member.getRole()).isEqualTo(dev.berth.sdk.model.Role.DEVELOPER);
        ApiException used = catchThrowableOfType(ApiException.class, () -> invitations.resendInvitation(resent.getId()));
        assertThat(used.getCode()).as("an accepted invitation cannot be resent").isEqualTo(409);
    }

    /** The accept tokens of the invitation mails to {@code recipient}, oldest first, once there are {@code count}. */
    private static List<String> awaitInvitationTokens(String recipient, int count) throws Exception {
        return awaitMailedTokens(recipient, "/invitations/accept", count);
    }

    /**
     * The tokens of the links to the portal page {@code page} (e.g. {@code /reset-password}) mailed
     * to {@code recipient}, oldest first, once there are {@code count}.
     */
    private static List<String> awaitMailedTokens(String recipient, String page, int count) throws Exception {
        java.util.regex.Pattern link = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(page) + "#token(?:=3D|=)([A-Za-z0-9_-]+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<String> tokens = new java.util.ArrayList<>();
            try (var files = java.nio.file.Files.list(MAIL)) {
                for (java.nio.file.Path file : files.filter(path -> path.toString().endsWith(".eml")).sorted().toList()) {
                    // Quoted-printable text may break the link with soft line breaks.
                    String text = java.nio.file.Files.readString(file).replace("=\r\n", "").replace("=\n", "");
                    if (!text.contains("To: " + recipient)) {
                        continue;
                    }
                    java.util.regex.Matcher matcher = link.matcher(text);
                    if (matcher.find()) {
                        tokens.add(matcher.group(1));
                    }
                }
            }
            if (tokens.size() >= count || System.nanoTime() > deadline) {
                assertThat(tokens).as(page + " mails to " + recipient).hasSize(count);
                return tokens;
            }
            Thread.sleep(100);
        }
    }

    private static List<User> allUsers(AdminUsersApi admin) throws ApiException {
        List<User> users = new java.util.ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            var list = admin.adminListUsers(cursor, 200);
            users.addAll(list.getItems());
            cursor = list.getNextCursor();
            if (cursor == null) {
                return users;
            }
        }
        throw new AssertionError("more than 100 pages of users");
    }

    private static java.nio.file.Path temporaryDirectory(String prefix) {
        try {
            return java.nio.file.Files.createTempDirectory(prefix);
        } catch (java.io.IOException failure) {
            throw new java.io.UncheckedIOException(failure);
        }
    }

    /** RFC 4648 base32 to bytes (the enrolment's secret). */
    private static byte[] base32(String text) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char letter : text.toCharArray()) {
            buffer = buffer << 5 | alphabet.indexOf(letter);
            bits += 5;
            if (bits >= 8) {
                bytes.write(buffer >> (bits - 8) & 0xff);
                bits -= 8;
            }
        }
        return bytes.toByteArray();
    }

    /** The code an authenticator app shows at a 30-second step (RFC 6238: HMAC-SHA1, 6 digits), computed here from the RFC. */
    private static String totp(byte[] key, long step) throws java.security.GeneralSecurityException {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA1"));
        byte[] hash = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(step).array());
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = java.nio.ByteBuffer.wrap(hash, offset, 4).getInt() & 0x7fffffff;
        return String.format("%06d", binary % 1_000_000);
    }

    private record Account(String suffix, String email, Me me, ApiClient client) {
    }

    private static Account signUpAndLogIn() throws ApiException {
        String suffix = randomSuffix();
        String email = "owner-" + suffix + "@example.com";
        String password = "correct horse " + suffix;
        new AuthApi(anonymous()).signup(new SignupRequest().email(email).password(password).tenantName("t-" + suffix));
        TokenPair tokens = new AuthApi(anonymous()).login(new LoginRequest().email(email).password(password));
        ApiClient client = bearer(tokens.getAccessToken());
        return new Account(suffix, email, new AuthApi(client).getMe(), client);
    }

    private static Site create(SitesApi sites, String name) {
        try {
            Site site = sites.createSite(new CreateSiteRequest().name(name), null);
            assertThat(site.getName()).isEqualTo(name);
            return site;
        } catch (ApiException failure) {
            throw new AssertionError("creating site " + name + " answered " + failure.getCode() + ": " + failure.getResponseBody(), failure);
        }
    }

    private static List<Tenant> allTenants(AdminApi admin) throws ApiException {
        List<Tenant> tenants = new java.util.ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            var list = admin.adminListTenants(cursor, 200);
            tenants.addAll(list.getItems());
            cursor = list.getNextCursor();
            if (cursor == null) {
                return tenants;
            }
        }
        throw new AssertionError("more than 100 pages of tenants");
    }

    private static Quota copy(Quota quota) {
        return new Quota().maxSites(quota.getMaxSites()).maxRunningSites(quota.getMaxRunningSites())
                .cpuMillicores(quota.getCpuMillicores()).memoryMib(quota.getMemoryMib()).pids(quota.getPids())
                .diskMib(quota.getDiskMib()).maxUploadMib(quota.getMaxUploadMib()).apiRequestsPerMinute(quota.getApiRequestsPerMinute());
    }

    private static String header(ApiResponse<?> response, String name) {
        return response.getHeaders().entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .flatMap(List::stream)
                .findFirst()
                .orElse(null);
    }

    private static Problem problemOf(ApiException failure) {
        assertThat(failure.getResponseHeaders().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        try {
            return anonymous().getObjectMapper().readValue(failure.getResponseBody(), Problem.class);
        } catch (JsonProcessingException unreadable) {
            throw new AssertionError("not a problem document: " + failure.getResponseBody(), unreadable);
        }
    }

    private static ApiClient anonymous() {
        ApiClient client = new ApiClient();
        client.updateBaseUri(API.baseUri());
        client.setConnectTimeout(Duration.ofSeconds(5));
        client.setReadTimeout(Duration.ofSeconds(30));
        return client;
    }

    private static ApiClient bearer(String token) {
        return anonymous().setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
    }

    private static String randomSuffix() {
        return randomHex(4);
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
