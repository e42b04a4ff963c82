package dev.berth.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.mail.MailTemplate;
import dev.berth.api.mail.Mailer;
import dev.berth.api.platform.LoopService;
import dev.berth.api.queue.RetrySchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events from the outbox to the outside world, in two steps per pass. Dispatch: each new
 * event becomes one delivery per enabled endpoint of its tenant that subscribed to its type, and
 * one queued e-mail per member who asked for it, in one transaction with marking it dispatched.
 * Deliver: due deliveries are claimed (see {@link dev.berth.api.queue}), POSTed with Standard
 * Webhooks headers by the {@link WebhookSender} outside any transaction, and recorded: succeeded
 * on a 2xx; otherwise retried after {@link #SCHEDULE} (30 s doubling up to 4 h) until the attempt
 * would start more than {@link #RETRY_WINDOW} after the delivery was queued, then failed.
 */
public final class EventWorker extends LoopService {
    private static final Logger LOG = LoggerFactory.getLogger(EventWorker.class);
    /** Spacing of attempts: 30 s, 1, 2, 4 ... minutes, at most 4 hours apart. */
    public static final RetrySchedule SCHEDULE = new RetrySchedule(Duration.ofSeconds(30), Duration.ofHours(4));
    /** How long a delivery is retried. */
    public static final Duration RETRY_WINDOW = Duration.ofHours(24);
    private static final int BATCH = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final WebhookSender sender;
    private final Mailer mailer;
    private final Clock clock;
    private final Duration lease;

    /**
     * @param lease how long a claimed delivery is held before another worker may try it again
     *              (longer than one attempt may take)
     */
    public EventWorker(Jdbi jdbi, WebhookSender sender, Mailer mailer, Clock clock, Duration lease, Duration pollInterval) {
        super("event-worker", pollInterval);
        this.jdbi = jdbi;
        this.sender = sender;
        this.mailer = mailer;
        this.clock = clock;
        this.lease = lease;
    }

    private void drain() {
        while (runOnce() > 0) {
            // more may be due
        }
    }

    /** One pass: dispatch new events, then attempt due deliveries. Returns the work done. Visible for tests. */
    public int runOnce() {
        int dispatched = dispatch();
        return dispatched + deliver();
    }

    /** Fans out up to one batch of new events; returns how many. */
    int dispatch() {
        return jdbi.inTransaction(handle -> {
            EventDao dao = handle.attach(EventDao.class);
            List<EventDao.StoredEvent> events = dao.lockUndispatched(BATCH);
            Instant now = clock.instant();
            for (EventDao.StoredEvent event : events) {
                for (WebhookEndpoint endpoint : dao.enabledEndpoints(event.tenantId())) {
                    if (endpoint.eventTypes().isEmpty() || !List.of(endpoint.eventTypes().split(",")).contains(event.type())) {
                        continue;
                    }
                    dao.insertDelivery(UUID.randomUUID(), endpoint.id(), event.id(), event.tenantId(), event.type(), now,
                            now.plus(RETRY_WINDOW));
                }
                List<EventDao.Recipient> recipients = dao.recipients(event.tenantId(), event.type());
                if (!recipients.isEmpty()) {
                    Map<String, String> values = notification(event, dao.tenantName(event.tenantId()).orElse("your tenant"));
                    for (EventDao.Recipient recipient : recipients) {
                        mailer.send(handle, MailTemplate.EVENT_NOTIFICATION, recipient.email(), values);
                    }
                }
                dao.markDispatched(event.id(), now);
            }
            return events.size();
        });
    }

    /** Attempts up to one batch of due deliveries; returns how many. */
    int deliver() {
        Instant now = clock.instant();
        List<WebhookDelivery> claimed = jdbi.inTransaction(handle -> {
            EventDao dao = handle.attach(EventDao.class);
            List<UUID> ids = dao.lockDueDeliveries(now, BATCH);
            if (ids.isEmpty()) {
                return List.of();
            }
            dao.leaseDeliveries(ids, now, now.plus(lease));
            return dao.deliveries(ids);
        });
        for (WebhookDelivery delivery : claimed) {
            try {
                attempt(delivery);
            } catch (RuntimeException unexpected) {
                // The lease brings it back; one broken delivery must not stop the others.
                LOG.error("Delivery {} could not be attempted", delivery.id(), unexpected);
            }
        }
        return claimed.size();
    }

    private void attempt(WebhookDelivery delivery) {
        Optional<WebhookEndpoint> endpoint = jdbi.withExtension(EventDao.class, dao -> dao.endpointById(delivery.endpointId()));
        Optional<EventDao.StoredEvent> event = jdbi.withExtension(EventDao.class, dao -> dao.findEvent(delivery.eventId()));
        if (endpoint.isEmpty() || event.isEmpty()) {
            return; // deleted meanwhile; its deliveries went with it
        }
        WebhookSender.Outcome outcome;
        if (!endpoint.get().enabled()) {
            outcome = new WebhookSender.Outcome(0, null, "the endpoint is disabled");
        } else {
            byte[] body = event.get().payload().getBytes(StandardCharsets.UTF_8);
            String messageId = event.get().id().toString();
            long timestamp = clock.instant().getEpochSecond();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("webhook-id", messageId);
            headers.put("webhook-timestamp", Long.toString(timestamp));
            headers.put("webhook-signature", WebhookSignature.sign(endpoint.get().secret(), messageId, timestamp, body));
            outcome = sender.send(endpoint.get().url(), headers, body);
        }
        Instant finished = clock.instant();
        Integer status = outcome.status() == 0 ? null : outcome.status();
        String error = outcome.error() == null ? null : outcome.error().length() > 1000 ? outcome.error().substring(0, 1000) : outcome.error();
        if (outcome.succeeded()) {
            jdbi.useExtension(EventDao.class, dao -> dao.recordAttempt(delivery.id(), WebhookDelivery.SUCCEEDED, null, status,
                    outcome.excerpt(), null, finished));
            return;
        }
        Instant next = SCHEDULE.nextAttempt(finished, delivery.attempts());
        boolean giveUp = !endpoint.get().enabled() || next.isAfter(delivery.giveUpAt());
        jdbi.useExtension(EventDao.class, dao -> dao.recordAttempt(delivery.id(), giveUp ? WebhookDelivery.FAILED : WebhookDelivery.PENDING,
                giveUp ? null : next, status, outcome.excerpt(), error, null));
        if (giveUp) {
            LOG.info("Gave up delivery {} of {} to endpoint {} after {} attempts: {}", delivery.id(), delivery.eventType(),
                    delivery.endpointId(), delivery.attempts(), error);
        }
    }

    /** The values of the notification e-mail for one event. */
    private Map<String, String> notification(EventDao.StoredEvent event, String tenantName) {
        JsonNode data;
        try {
            data = JSON.readTree(event.payload()).path("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String site = data.path("site").asText("");
        String base = mailer.portalUrl();
        return Map.of(
                "tenantName", tenantName,
                "eventType", event.type(),
                "summary", EventSummaries.summary(EventType.fromWire(event.type()).orElseThrow(), data),
                "occurredAt", event.createdAt().toString(),
                "detailsUrl", site.isEmpty() ? base + "/tenant" : base + "/sites/" + site,
                "preferencesUrl", base + "/webhooks");
    }

    @Override
    protected void pass() {
        drain();
    }
}
