package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.mail.MailOutbox;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.RateLimiter;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Throttle;
import dev.berth.api.tenants.Quota;
import dev.berth.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Password reset tokens on H2 and PostgreSQL with the real changelog: single use, 30 minutes, stored as a hash. */
class PasswordResetsOnBothDatabasesTest {
    private static final Pattern LINK = Pattern.compile("https://portal\\.test/reset-password#token=(berth_pr_[A-Za-z0-9_-]+)");
    private static final String PASSWORD = "correct horse battery";
    private final MutableClock clock = new MutableClock();
    private final List<Runnable> queued = new ArrayList<>();
    private AuthService auth;
    private PasswordResets resets;
    private String email;

    private void setUp(Jdbi jdbi) {
        PasswordHasher hasher = new PasswordHasher(64, 1, 1);
        AccessTokens tokens = new AccessTokens("berth", "berth-api", Duration.ofMinutes(15),
                Map.of("k", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)), "k", clock);
        Throttle<String> failures = new Throttle<>(new RateLimiter<>(Duration.ofMinutes(15), () -> 0L), 100, "failures");
        auth = new AuthService(jdbi, hasher, tokens, new AuthService.Lifetimes(Duration.ofDays(1), Duration.ofDays(30)),
                new Quota(5, 5, 1000, 512, 256, 1024, 100, 600), true, new AuthService.Limits(
                        new Throttle<>(new RateLimiter<>(Duration.ofMinutes(1), () -> 0L), 100, "logins"), failures,
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), () -> 0L), 100, "signups"),
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), () -> 0L), 100, "platform signups")),
                (user, totpCode, recoveryCode) -> { }, clock);
        resets = new PasswordResets(jdbi, hasher, auth, new MailOutbox(jdbi, clock, "https://portal.test/", () -> { }), queued::add,
                new PasswordResets.Limits(new Throttle<>(new RateLimiter<>(Duration.ofHours(1), () -> 0L), 100, "per address"),
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), () -> 0L), 100, "per account"), failures),
                clock);
        email = "ada-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        auth.signup(email, PASSWORD, "t" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12), "192.0.2.1");
    }

    /** Asks for a reset, runs the queued work and returns the token of the mail it queued. */
    private String requestToken(Jdbi jdbi) {
        resets.request(email.toUpperCase(java.util.Locale.ROOT), "192.0.2.1");
        queued.forEach(Runnable::run);
        queued.clear();
        List<String> bodies = jdbi.withHandle(handle -> handle.createQuery(
                "SELECT text_body FROM mail_outbox WHERE recipient = :to AND template = 'password-reset' ORDER BY created_at DESC, id")
                .bind("to", email).mapTo(String.class).list());
        Matcher link = LINK.matcher(bodies.get(0));
        assertThat(link.find()).as(bodies.get(0)).isTrue();
        return link.group(1);
    }

    private int problemStatus(Runnable call) {
        try {
            call.run();
            return 0;
        } catch (ProblemException refused) {
            return refused.problem().status();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void theLookUpHappensAfterTheAnswerAndOnlyTheTokensHashIsStored(String database, Jdbi jdbi) {
        setUp(jdbi);
        resets.request(email, "192.0.2.1");
        resets.request("nobody@example.com", "192.0.2.1");
        // Nothing was read or written on the answering thread: both requests are alike queued work.
        assertThat(queued).hasSize(2);
        int stored = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM account_tokens").mapTo(Integer.class).one());
        assertThat(stored).isZero();
        queued.forEach(Runnable::run);
        queued.clear();
        int toNobody = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'nobody@example.com'")
                .mapTo(Integer.class).one());
        assertThat(toNobody).isZero();

        String token = requestToken(jdbi);
        List<String> hashes = jdbi.withHandle(h -> h.createQuery("SELECT token_hash FROM account_tokens ORDER BY created_at")
                .mapTo(String.class).list());
        assertThat(hashes).hasSize(2).contains(Secrets.sha256(token)).doesNotContain(token);
        String body = jdbi.withHandle(h -> h.createQuery("SELECT text_body FROM mail_outbox WHERE recipient = :to ORDER BY created_at LIMIT 1")
                .bind("to", email).mapTo(String.class).one());
        assertThat(body).contains("within 30 minutes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void aTokenWorksOnceWithin30MinutesAndUsesUpItsSiblings(String database, Jdbi jdbi) {
        setUp(jdbi);
        String older = requestToken(jdbi);
        clock.advance(Duration.ofMinutes(10));
        String newer = requestToken(jdbi);
        AuthService.Session session = auth.login(email, PASSWORD, new AuthService.Client("192.0.2.1", null));

        clock.advance(Duration.ofMinutes(29));
        assertThat(problemStatus(() -> resets.confirm(newer, "short"))).isEqualTo(400);
        assertThat(resets.confirm(newer, "a brand new passphrase").email()).isEqualTo(email);
        assertThat(auth.isSessionRevoked(java.util.UUID.fromString(
                com.auth0.jwt.JWT.decode(session.accessToken()).getClaim("sid").asString()))).isTrue();
        assertThat(problemStatus(() -> auth.login(email, PASSWORD, new AuthService.Client(null, null)))).isEqualTo(401);
        assertThat(auth.login(email, "a brand new passphrase", new AuthService.Client(null, null)).accessToken()).isNotBlank();

        assertThatThrownBy(() -> resets.confirm(newer, "yet another passphrase"))
                .isInstanceOfSatisfying(ProblemException.class, refused -> {
                    assertThat(refused.problem().type().toString()).endsWith("/reset-token-invalid");
                    assertThat(refused.getMessage()).contains("already used");
                });
        // The older link, still within its 30 minutes, was used up with the newer one.
        clock.advance(Duration.ofMinutes(-20));
        assertThatThrownBy(() -> resets.confirm(older, "yet another passphrase")).isInstanceOf(ProblemException.class);
        java.time.OffsetDateTime verified = jdbi.withHandle(h -> h.createQuery("SELECT email_verified_at FROM users WHERE email = :e")
                .bind("e", email).mapTo(java.time.OffsetDateTime.class).one());
        assertThat(verified).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.berth.api.support.Databases#migratedBoth")
    void anExpiredTokenIsRefusedAndChangesNothing(String database, Jdbi jdbi) {
        setUp(jdbi);
        String token = requestToken(jdbi);
        clock.advance(PasswordResets.VALIDITY);
        assertThatThrownBy(() -> resets.confirm(token, "a brand new passphrase"))
                .isInstanceOfSatisfying(ProblemException.class, refused -> {
                    assertThat(refused.problem().status()).isEqualTo(400);
                    assertThat(refused.getMessage()).contains("expired");
                });
        assertThat(auth.login(email, PASSWORD, new AuthService.Client(null, null)).accessToken()).isNotBlank();
        assertThat(problemStatus(() -> resets.confirm("berth_pr_unknown", "a brand new passphrase"))).isEqualTo(400);
    }
}
