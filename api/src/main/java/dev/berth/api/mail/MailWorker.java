package dev.berth.api.mail;

import dev.berth.api.platform.LoopService;
import dev.berth.api.queue.RetrySchedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the mail outbox: claims due messages (see {@link dev.berth.api.queue}), hands each to the
 * {@link MailTransport} outside any transaction, and records the outcome: sent, retried after
 * {@link #SCHEDULE} (30 s doubling up to an hour), or failed after the last attempt or a permanent
 * refusal. The request that queued a message never waits for any of this.
 */
public final class MailWorker extends LoopService {
    private static final Logger LOG = LoggerFactory.getLogger(MailWorker.class);
    static final RetrySchedule SCHEDULE = new RetrySchedule(Duration.ofSeconds(30), Duration.ofHours(1));
    private static final int BATCH = 20;

    private final Jdbi jdbi;
    private final MailTransport transport;
    private final Clock clock;
    private final int maxAttempts;
    private final Duration lease;

    /**
     * @param lease how long a claimed message is held before another worker may take it again
     *              (longer than the transport's own timeouts)
     */
    public MailWorker(Jdbi jdbi, MailTransport transport, Clock clock, int maxAttempts, Duration lease, Duration pollInterval) {
        super("mail-worker", pollInterval);
        this.jdbi = jdbi;
        this.transport = transport;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.lease = lease;
    }

    private void drain() {
        while (runOnce() == BATCH) {
            // a full batch: there may be more
        }
    }

    /** Claims and sends the due messages; returns how many were attempted. Visible for tests. */
    public int runOnce() {
        Instant now = clock.instant();
        List<MailDao.Queued> claimed = jdbi.inTransaction(handle -> {
            MailDao dao = handle.attach(MailDao.class);
            List<java.util.UUID> ids = dao.lockDue(now, BATCH);
            if (ids.isEmpty()) {
                return List.of();
            }
            dao.lease(ids, now.plus(lease));
            return dao.find(ids);
        });
        for (MailDao.Queued message : claimed) {
            attempt(message);
        }
        return claimed.size();
    }

    private void attempt(MailDao.Queued message) {
        try {
            transport.deliver(new MailTransport.OutgoingMail(message.id(), message.recipient(), message.subject(), message.textBody(),
                    message.htmlBody(), message.createdAt()));
            jdbi.useExtension(MailDao.class, dao -> dao.markSent(message.id(), clock.instant()));
        } catch (MailTransport.MailFailure failure) {
            String error = failure.getMessage().length() > 1000 ? failure.getMessage().substring(0, 1000) : failure.getMessage();
            if (failure.permanent() || message.attempts() >= maxAttempts) {
                LOG.warn("Giving up mail {} to {} after {} attempts: {}", message.id(), message.recipient(), message.attempts(), error);
                jdbi.useExtension(MailDao.class, dao -> dao.markFailed(message.id(), error));
            } else {
                Instant next = SCHEDULE.nextAttempt(clock.instant(), message.attempts());
                LOG.warn("Mail {} to {} failed (attempt {}), retrying at {}: {}", message.id(), message.recipient(), message.attempts(),
                        next, error);
                jdbi.useExtension(MailDao.class, dao -> dao.retryAt(message.id(), next, error));
            }
        } catch (RuntimeException unexpected) {
            // The lease brings the message back; a bug in one message must not stop the others.
            LOG.error("Mail {} could not be attempted", message.id(), unexpected);
        }
    }

    @Override
    protected void pass() {
        drain();
    }
}
