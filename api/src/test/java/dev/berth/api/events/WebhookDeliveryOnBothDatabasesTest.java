package dev.berth.api.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.caller.Caller;
import dev.berth.api.deploys.git.FakeResolver;
import dev.berth.api.outbound.RepositoryUrlPolicy;
import dev.berth.api.deploys.git.TrapServer;
import dev.berth.api.mail.MailOutbox;
import dev.berth.api.support.Databases;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Webhook deliveries end to end below HTTP: the real changelog on H2 and on PostgreSQL, the real
 * worker and sender, a receiver on loopback that verifies every signature independently, and a
 * clock the test moves.
 */
class WebhookDeliveryOnBothDatabasesTest {
    private static final List<String> CREATED_POSTGRES = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> databases() throws Exception {
        List<Arguments> databases = new ArrayList<>();
        databases.add(Arguments.of("h2", Databases.migratedH2()));
        if (Databases.postgresAvailable()) {
            databases.add(Arguments.of("postgresql", Databases.migratedPostgres(CREATED_POSTGRES::add)));
        }
        return databases.stream();
    }

    @AfterAll
    static void dropDatabases() {
        CREATED_POSTGRES.forEach(Databases::dropPostgres);
    }

    /** One tenant with its owner, a worker and a receiver, on one database. */
    private static final class Setup implements AutoCloseable {
        final Jdbi jdbi;
        final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        final FakeResolver dns = new FakeResolver();
        final WebhookReceiver receiver;
        final Caller owner;
        final RepositoryUrlPolicy policy;
        final WebhookService webhooks;
        final WebhookSender sender;
        final EventWorker worker;

        Setup(Jdbi jdbi, List<String> allowlist, Duration attemptTimeout) throws Exception {
            this.jdbi = jdbi;
            this.receiver = new WebhookReceiver(() -> clock.instant().getEpochSecond());
            UUID tenantId = UUID.randomUUID();
            UUID userId = UUID.randomUUID();
            String name = "t-" + tenantId.toString().substring(0, 8);
            jdbi.useHandle(handle -> {
                handle.execute("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", tenantId, name, clock.instant());
                handle.execute("INSERT INTO users (id, tenant_id, email, password_hash, role, platform_admin, created_at) VALUES (?, ?, ?, 'x', 'owner', FALSE, ?)",
                        userId, tenantId, name + "@example.com", clock.instant());
            });
            owner = new Caller(userId, name + "@example.com", tenantId, Caller.Role.OWNER, false, null, null,
                    Set.of(Caller.Scope.READ, Caller.Scope.WRITE), null, null);
            policy = new RepositoryUrlPolicy(dns, allowlist, true, RepositoryUrlPolicy.Subject.WEBHOOK_ENDPOINT);
            webhooks = new WebhookService(jdbi, policy, clock, 20, () -> { });
            sender = new WebhookSender(policy, SSLContext.getDefault(), Duration.ofSeconds(2), attemptTimeout, "Berth-Webhooks/test");
            worker = new EventWorker(jdbi, sender, new MailOutbox(jdbi, clock, "http://portal.test", () -> { }), clock, Duration.ofMinutes(1),
                    Duration.ofHours(1));
        }

        Setup(Jdbi jdbi) throws Exception {
            this(jdbi, List.of("127.0.0.1/32"), Duration.ofSeconds(5));
        }

        UUID publish(EventType type, String site) {
            return jdbi.withHandle(handle -> Events.publish(handle, owner.tenantId(), type, clock.instant(), Map.of("site", site)));
        }

        List<WebhookDelivery> deliveries(UUID endpointId) {
            return webhooks.deliveries(owner, endpointId, null, 200).items();
        }

        @Override
        public void close() {
            receiver.close();
            sender.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void everyDeliveryCarriesStandardWebhooksHeadersThatAnIndependentVerifierAccepts(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi)) {
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, setup.receiver.url("/hook?token=abc"), "ci",
                    List.of("site.created", "deploy.live"));
            setup.receiver.secret(endpoint.secret());
            assertThat(endpoint.secret()).startsWith("whsec_");
            UUID created = setup.publish(EventType.SITE_CREATED, "blog");
            setup.publish(EventType.SITE_STOPPED, "blog"); // not subscribed
            UUID live = setup.publish(EventType.DEPLOY_LIVE, "blog");

            setup.worker.runOnce();

            List<WebhookReceiver.Received> received = setup.receiver.received();
            assertThat(received).hasSize(2).allMatch(WebhookReceiver.Received::signatureValid);
            assertThat(received).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrder(created.toString(), live.toString());
            for (WebhookReceiver.Received request : received) {
                assertThat(request.method()).isEqualTo("POST");
                assertThat(request.path()).isEqualTo("/hook?token=abc");
                assertThat(request.header("content-type")).startsWith("application/json");
                assertThat(request.header("webhook-timestamp")).isEqualTo(Long.toString(setup.clock.instant().getEpochSecond()));
                var payload = JSON.readTree(request.body());
                assertThat(payload.get("type").asText()).isIn("site.created", "deploy.live");
                assertThat(payload.get("data").get("site").asText()).isEqualTo("blog");
                assertThat(Instant.parse(payload.get("timestamp").asText())).isNotNull();
            }
            assertThat(setup.deliveries(endpoint.id())).hasSize(2).allSatisfy(delivery -> {
                assertThat(delivery.status()).isEqualTo(WebhookDelivery.SUCCEEDED);
                assertThat(delivery.attempts()).isEqualTo(1);
                assertThat(delivery.responseStatus()).isEqualTo(204);
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aFailingEndpointIsRetriedWithExponentialBackoffForTwentyFourHoursThenGivenUp(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi)) {
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, setup.receiver.url("/down"), "", List.of("site.failed"));
            setup.receiver.secret(endpoint.secret()).answer(503, "x".repeat(5000), 0);
            setup.publish(EventType.SITE_FAILED, "shop");
            Instant queued = setup.clock.instant();

            setup.worker.runOnce();
            List<Duration> gaps = new ArrayList<>();
            WebhookDelivery delivery = setup.deliveries(endpoint.id()).get(0);
            assertThat(delivery.responseExcerpt()).hasSize(1000);
            assertThat(delivery.responseStatus()).isEqualTo(503);
            while (delivery.status().equals(WebhookDelivery.PENDING)) {
                Instant due = delivery.nextAttemptAt();
                gaps.add(Duration.between(setup.clock.instant(), due));
                setup.clock.set(due.minusSeconds(1));
                assertThat(setup.worker.runOnce()).as("nothing is attempted before it is due").isZero();
                setup.clock.set(due);
                setup.worker.runOnce();
                delivery = setup.deliveries(endpoint.id()).get(0);
            }

            assertThat(delivery.status()).isEqualTo(WebhookDelivery.FAILED);
            assertThat(gaps.subList(0, 5)).containsExactly(Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
                    Duration.ofMinutes(4), Duration.ofMinutes(8));
            assertThat(gaps).allMatch(gap -> gap.compareTo(Duration.ofHours(4)) <= 0);
            assertThat(gaps.get(gaps.size() - 1)).isEqualTo(Duration.ofHours(4));
            assertThat(setup.clock.instant()).isBefore(queued.plus(Duration.ofHours(24)))
                    .isAfter(queued.plus(Duration.ofHours(20)));
            assertThat(delivery.attempts()).isEqualTo(gaps.size() + 1).isEqualTo(setup.receiver.received().size());
            assertThat(setup.receiver.received()).allMatch(WebhookReceiver.Received::signatureValid);
            assertThat(setup.receiver.received().stream().map(r -> r.header("webhook-id")).distinct()).hasSize(1);
            assertThat(setup.receiver.received().stream().map(r -> r.header("webhook-timestamp")).distinct())
                    .as("each attempt is signed afresh").hasSize(setup.receiver.received().size());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aRedirectIsAFailedAttemptThatIsNeverFollowed(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi, List.of("127.0.0.1/32"), Duration.ofSeconds(5)); TrapServer trap = new TrapServer()) {
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, setup.receiver.url("/moved"), "", List.of("site.created"));
            setup.receiver.answer(302, "", 0).redirectTo("http://127.0.0.1:" + trap.port() + "/elsewhere");
            setup.publish(EventType.SITE_CREATED, "docs");
            setup.worker.runOnce();
            WebhookDelivery delivery = setup.deliveries(endpoint.id()).get(0);
            assertThat(delivery.status()).isEqualTo(WebhookDelivery.PENDING);
            assertThat(delivery.responseStatus()).isEqualTo(302);
            assertThat(delivery.lastError()).contains("redirect");
            assertThat(trap.connections()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void anEndpointThatDoesNotAnswerIsCutOffAtTheAttemptTimeout(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi, List.of("127.0.0.1/32"), Duration.ofSeconds(1))) {
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, setup.receiver.url("/slow"), "", List.of("site.created"));
            setup.receiver.answer(200, "late", 10_000);
            setup.publish(EventType.SITE_CREATED, "slow");
            long started = System.nanoTime();
            setup.worker.runOnce();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            WebhookDelivery delivery = setup.deliveries(endpoint.id()).get(0);
            assertThat(delivery.status()).isEqualTo(WebhookDelivery.PENDING);
            assertThat(delivery.responseStatus()).isNull();
            assertThat(delivery.lastError()).isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aHostThatNowResolvesToLoopbackIsRefusedBeforeAnyConnection(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi, List.of(), Duration.ofSeconds(2)); TrapServer trap = new TrapServer()) {
            setup.dns.answer("hooks.example", "140.82.112.3");
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, "https://hooks.example:" + trap.port() + "/in", "", List.of("site.created"));
            // DNS rebinding: the same name now answers the platform's own loopback.
            setup.dns.answer("hooks.example", "127.0.0.1");
            int lookupsBefore = setup.dns.lookups.size();
            setup.publish(EventType.SITE_CREATED, "rebind");
            setup.worker.runOnce();
            WebhookDelivery delivery = setup.deliveries(endpoint.id()).get(0);
            assertThat(delivery.lastError()).startsWith("refused before connecting").contains("127.0.0.1");
            assertThat(setup.dns.lookups.subList(lookupsBefore, setup.dns.lookups.size())).containsExactly("hooks.example");
            assertThat(trap.connections()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void twoWorkersNeverClaimTheSameDelivery(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi)) {
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, setup.receiver.url("/both"), "", List.of("site.created"));
            setup.receiver.answer(200, "ok", 50);
            for (int i = 0; i < 30; i++) {
                setup.publish(EventType.SITE_CREATED, "s" + i);
            }
            setup.worker.dispatch();
            setup.worker.dispatch();
            EventWorker second = new EventWorker(jdbi, setup.sender, new MailOutbox(jdbi, setup.clock, "http://portal.test", () -> { }),
                    setup.clock, Duration.ofMinutes(1), Duration.ofHours(1));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> runs = new ArrayList<>();
                for (EventWorker worker : List.of(setup.worker, second)) {
                    runs.add(pool.submit(() -> {
                        int done = 0;
                        for (int pass = 0; pass < 5; pass++) {
                            done += worker.deliver();
                        }
                        return done;
                    }));
                }
                int attempted = 0;
                for (Future<Integer> run : runs) {
                    attempted += run.get();
                }
                assertThat(attempted).isEqualTo(30);
            } finally {
                pool.shutdownNow();
            }
            Map<String, Long> perEvent = setup.receiver.received().stream()
                    .collect(Collectors.groupingBy(r -> r.header("webhook-id"), Collectors.counting()));
            assertThat(perEvent).hasSize(30).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
            assertThat(setup.deliveries(endpoint.id())).allMatch(d -> d.status().equals(WebhookDelivery.SUCCEEDED));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aRedeliveryCarriesTheSameWebhookIdAndATestEventReachesOnlyItsEndpoint(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi)) {
            WebhookEndpoint endpoint = setup.webhooks.create(setup.owner, setup.receiver.url("/a"), "", List.of("deploy.failed"));
            WebhookEndpoint other = setup.webhooks.create(setup.owner, setup.receiver.url("/b"), "", List.of("deploy.failed"));
            setup.receiver.secret(endpoint.secret());
            UUID event = setup.publish(EventType.DEPLOY_FAILED, "blog");
            setup.worker.runOnce();
            WebhookDelivery first = setup.deliveries(endpoint.id()).get(0);
            WebhookDelivery again = setup.webhooks.redeliver(setup.owner, endpoint.id(), first.id());
            assertThat(again.id()).isNotEqualTo(first.id());
            assertThat(again.status()).isEqualTo(WebhookDelivery.PENDING);
            WebhookDelivery test = setup.webhooks.test(setup.owner, endpoint.id());
            setup.worker.runOnce();
            List<WebhookReceiver.Received> toA = setup.receiver.received().stream().filter(r -> r.path().equals("/a")).toList();
            assertThat(toA).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrder(event.toString(), event.toString(), test.eventId().toString());
            assertThat(toA).allMatch(WebhookReceiver.Received::signatureValid);
            assertThat(toA.stream().filter(r -> r.header("webhook-id").equals(test.eventId().toString())).findFirst().orElseThrow().text())
                    .contains("\"type\":\"webhook.test\"");
            assertThat(setup.receiver.received().stream().filter(r -> r.path().equals("/b"))).hasSize(1);
            assertThat(setup.deliveries(other.id())).hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void membersWhoChoseAnEventTypeGetItsNotificationQueuedAsMail(String database, Jdbi jdbi) throws Exception {
        try (Setup setup = new Setup(jdbi)) {
            new NotificationService(jdbi).replace(setup.owner, List.of("deploy.failed"));
            setup.publish(EventType.DEPLOY_FAILED, "blog");
            setup.publish(EventType.SITE_CREATED, "blog");
            setup.worker.runOnce();
            List<Map<String, Object>> mail = jdbi.withHandle(handle -> handle.createQuery(
                    "SELECT recipient, subject, template FROM mail_outbox WHERE recipient = :to").bind("to", setup.owner.email()).mapToMap().list());
            assertThat(mail).hasSize(1);
            assertThat(mail.get(0).get("subject").toString()).contains("A deploy of blog failed");
            assertThat(mail.get(0).get("template")).isEqualTo("event-notification");
        }
    }
}
