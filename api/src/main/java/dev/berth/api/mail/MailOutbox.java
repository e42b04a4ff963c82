package dev.berth.api.mail;

import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The {@link Mailer} that queues rendered messages in {@code mail_outbox}. Thread-safe. */
public final class MailOutbox implements Mailer {
    private final Jdbi jdbi;
    private final Clock clock;
    private final String portalUrl;
    private final Runnable nudgeWorker;

    /**
     * @param portalUrl   where links lead (no trailing slash is kept)
     * @param nudgeWorker told after a message is queued outside a caller's transaction
     */
    public MailOutbox(Jdbi jdbi, Clock clock, String portalUrl, Runnable nudgeWorker) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.portalUrl = portalUrl.replaceAll("/+$", "");
        this.nudgeWorker = nudgeWorker;
    }

    @Override
    public UUID send(MailTemplate template, String recipient, Map<String, String> values) {
        UUID id = jdbi.inTransaction(handle -> send(handle, template, recipient, values));
        nudgeWorker.run();
        return id;
    }

    @Override
    public UUID send(Handle handle, MailTemplate template, String recipient, Map<String, String> values) {
        MimeMessages.parseRecipient(recipient);
        MailTemplate.Rendered rendered = template.render(values);
        UUID id = UUID.randomUUID();
        handle.attach(MailDao.class).insert(id, template.wireName(), recipient, rendered.subject(), rendered.text(), rendered.html(),
                clock.instant());
        return id;
    }

    @Override
    public String portalUrl() {
        return portalUrl;
    }
}
