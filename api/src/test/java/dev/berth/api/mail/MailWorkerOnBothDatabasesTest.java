package dev.berth.api.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.support.Databases;
import dev.berth.testkit.MutableClock;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The mail outbox and its worker on H2 and PostgreSQL, with a clock the test moves. */
class MailWorkerOnBothDatabasesTest {
    private static final List<String> CREATED_POSTGRES = new ArrayList<>();

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

    /** A transport that fails a given number of times first and records what it was given. */
    private static final class FlakyTransport implements MailTransport {
        final List<OutgoingMail> delivered = Collections.synchronizedList(new ArrayList<>());
        volatile int failuresLeft;
        volatile boolean permanent;

        @Override
        public void deliver(OutgoingMail mail) throws MailFailure {
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new MailFailure("450 try later", permanent, null);
            }
            delivered.add(mail);
        }
    }

    private static Map<String, Object> row(Jdbi jdbi, UUID id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT status, attempts, next_attempt_at, last_error FROM mail_outbox WHERE id = :id")
                .bind("id", id).mapToMap().one());
    }

    private static Map<String, String> verification() {
        return Map.of("verifyUrl", "https://berth.test/verify/abc");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void queuingNeverTouchesTheTransportAndAFailedSendIsRetriedWithBackoff(String database, Jdbi jdbi) {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        FlakyTransport transport = new FlakyTransport();
        transport.failuresLeft = 3;
        MailWorker worker = new MailWorker(jdbi, transport, clock, 10, Duration.ofMinutes(5), Duration.ofHours(1));
        UUID id = new MailOutbox(jdbi, clock, "https://berth.test/", () -> { }).send(MailTemplate.EMAIL_VERIFICATION, "ada@example.com",
                verification());
        assertThat(transport.delivered).isEmpty();

        List<Duration> gaps = new ArrayList<>();
        Instant last = clock.instant();
        while (transport.delivered.isEmpty()) {
            assertThat(worker.runOnce()).isEqualTo(1);
            Map<String, Object> after = row(jdbi, id);
            if (transport.delivered.isEmpty()) {
                Instant next = ((java.time.OffsetDateTime) jdbi.withHandle(h -> h.createQuery("SELECT next_attempt_at FROM mail_outbox WHERE id = :id")
                        .bind("id", id).mapTo(java.time.OffsetDateTime.class).one())).toInstant();
                gaps.add(Duration.between(last, next));
                clock.set(next.minusSeconds(1));
                assertThat(worker.runOnce()).as("not before it is due").isZero();
                clock.set(next);
                last = next;
                assertThat(after.get("status")).isEqualTo("pending");
            }
        }
        assertThat(gaps).containsExactly(Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2));
        assertThat(row(jdbi, id).get("status")).isEqualTo("sent");
        assertThat(((Number) row(jdbi, id).get("attempts")).intValue()).isEqualTo(4);
        assertThat(transport.delivered.get(0).subject()).isEqualTo("Confirm your e-mail address for Berth");
        assertThat(worker.runOnce()).as("a sent message is never sent again").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aMessageIsGivenUpAfterItsLastAttemptOrAtOnceWhenRefusedForGood(String database, Jdbi jdbi) {
        MutableClock clock = new MutableClock();
        FlakyTransport transport = new FlakyTransport();
        transport.failuresLeft = 100;
        MailWorker worker = new MailWorker(jdbi, transport, clock, 3, Duration.ofMinutes(5), Duration.ofHours(1));
        MailOutbox outbox = new MailOutbox(jdbi, clock, "https://berth.test", () -> { });
        UUID retried = outbox.send(MailTemplate.EMAIL_VERIFICATION, "ada@example.com", verification());
        for (int attempt = 0; attempt < 3; attempt++) {
            worker.runOnce();
            clock.advance(Duration.ofHours(2));
        }
        assertThat(row(jdbi, retried).get("status")).isEqualTo("failed");
        assertThat(row(jdbi, retried).get("last_error")).isEqualTo("450 try later");

        transport.permanent = true;
        UUID refused = outbox.send(MailTemplate.EMAIL_VERIFICATION, "bob@example.com", verification());
        worker.runOnce();
        assertThat(row(jdbi, refused).get("status")).isEqualTo("failed");
        assertThat(((Number) row(jdbi, refused).get("attempts")).intValue()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aMessageQueuedInARolledBackTransactionIsNeverSent(String database, Jdbi jdbi) {
        MutableClock clock = new MutableClock();
        FlakyTransport transport = new FlakyTransport();
        MailOutbox outbox = new MailOutbox(jdbi, clock, "https://berth.test", () -> { });
        try {
            jdbi.useTransaction(handle -> {
                outbox.send(handle, MailTemplate.EMAIL_VERIFICATION, "rolled-back@example.com", verification());
                throw new IllegalStateException("the change failed");
            });
        } catch (IllegalStateException expected) {
            // the message goes with the transaction
        }
        new MailWorker(jdbi, transport, clock, 3, Duration.ofMinutes(5), Duration.ofHours(1)).runOnce();
        assertThat(transport.delivered).noneMatch(mail -> mail.recipient().equals("rolled-back@example.com"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void theFileTransportWritesAnEmlFileThatParsesBackToTheMessage(String database, Jdbi jdbi) throws Exception {
        Path directory = Files.createTempDirectory("berth-mail-");
        MutableClock clock = new MutableClock();
        MailWorker worker = new MailWorker(jdbi, new FileTransport(directory, "Berth <berth@localhost>"), clock, 3, Duration.ofMinutes(5),
                Duration.ofHours(1));
        UUID id = new MailOutbox(jdbi, clock, "http://localhost:8080", () -> { }).send(MailTemplate.PASSWORD_RESET, "ada@example.com",
                Map.of("resetUrl", "http://localhost:8080/reset#token=abc", "expiresInMinutes", "30"));
        worker.runOnce();
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> written = files.toList();
            assertThat(written).hasSize(1);
            assertThat(written.get(0).getFileName().toString()).endsWith("-" + id + ".eml");
            try (InputStream in = Files.newInputStream(written.get(0))) {
                MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), in);
                assertThat(message.getSubject()).isEqualTo("Reset your Berth password");
                assertThat(message.getAllRecipients()[0].toString()).isEqualTo("ada@example.com");
            }
            assertThat(Files.readString(written.get(0))).contains("http://localhost:8080/reset#token=abc");
        }
    }
}
