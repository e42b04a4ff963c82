package dev.berth.api.mail;

import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The port through which any feature sends mail. Sending only renders the template and queues the
 * message in the database: it never waits on, or fails because of, the mail server; the
 * {@link MailWorker} delivers it (retrying with backoff). Implementations are thread-safe.
 *
 * <p>Example: {@code mailer.send(MailTemplate.PASSWORD_RESET, "ada@example.com",
 * Map.of("resetUrl", link, "expiresInMinutes", "30"))}.
 */
public interface Mailer {

    /**
     * Queues a message in its own transaction.
     *
     * @return the queued message's id
     * @throws IllegalArgumentException if the recipient is not one plain address or the values do
     *                                  not fit the template (see {@link MailTemplate#render})
     */
    UUID send(MailTemplate template, String recipient, Map<String, String> values);

    /**
     * Queues a message in the caller's transaction, so that it is sent if and only if that
     * transaction commits (a reset token and its e-mail, say).
     *
     * @throws IllegalArgumentException as {@link #send(MailTemplate, String, Map)}
     */
    UUID send(Handle handle, MailTemplate template, String recipient, Map<String, String> values);

    /** Where links in messages lead: the portal's public base URL, without a trailing slash. */
    String portalUrl();
}
