package dev.berth.api.mail;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The mail outbox. */
@RegisterConstructorMapper(MailDao.Queued.class)
interface MailDao {

    @SqlUpdate("""
            INSERT INTO mail_outbox (id, template, recipient, subject, text_body, html_body, status, attempts, next_attempt_at, created_at)
            VALUES (:id, :template, :recipient, :subject, :text, :html, 'pending', 0, :now, :now)
            """)
    void insert(@Bind("id") UUID id, @Bind("template") String template, @Bind("recipient") String recipient,
                @Bind("subject") String subject, @Bind("text") String text, @Bind("html") String html, @Bind("now") Instant now);

    /** Due messages, locked; rows another worker holds are skipped, not waited for. */
    @SqlQuery("""
            SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= :now
            ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED
            """)
    List<UUID> lockDue(@Bind("now") Instant now, @Bind("limit") int limit);

    /** Counts the attempt and leases the row until {@code leaseUntil}. */
    @SqlUpdate("UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = :leaseUntil WHERE id IN (<ids>)")
    int lease(@BindList("ids") List<UUID> ids, @Bind("leaseUntil") Instant leaseUntil);

    @SqlQuery("SELECT id, recipient, subject, text_body, html_body, attempts, created_at FROM mail_outbox WHERE id IN (<ids>)")
    List<Queued> find(@BindList("ids") List<UUID> ids);

    @SqlUpdate("UPDATE mail_outbox SET status = 'sent', sent_at = :now, last_error = NULL WHERE id = :id")
    int markSent(@Bind("id") UUID id, @Bind("now") Instant now);

    @SqlUpdate("UPDATE mail_outbox SET next_attempt_at = :next, last_error = :error WHERE id = :id")
    int retryAt(@Bind("id") UUID id, @Bind("next") Instant next, @Bind("error") String error);

    @SqlUpdate("UPDATE mail_outbox SET status = 'failed', last_error = :error WHERE id = :id")
    int markFailed(@Bind("id") UUID id, @Bind("error") String error);

    /** A claimed message. */
    record Queued(UUID id, String recipient, String subject, String textBody, String htmlBody, int attempts, Instant createdAt) {
    }
}
