package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.RateLimiter;
import dev.berth.api.platform.Throttle;
import dev.berth.api.support.Databases;
import dev.berth.api.tenants.Quota;
import dev.berth.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Login sessions end after their absolute lifetime; an account's rights are its current ones. */
class SessionsAndAccountsTest {
    private final MutableClock clock = new MutableClock();
    private final AtomicLong nanos = new AtomicLong();
    private Jdbi jdbi;
    private AuthService auth;

    @BeforeEach
    void setUp() throws Exception {
        jdbi = Databases.migratedH2();
        AccessTokens tokens = new AccessTokens("berth", "berth-api", Duration.ofMinutes(15),
                Map.of("k", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)), "k", clock);
        Ticker ticker = nanos::get;
        auth = new AuthService(jdbi, new PasswordHasher(64, 1, 1), tokens,
                new AuthService.Lifetimes(Duration.ofDays(30), Duration.ofHours(1)),
                new Quota(5, 5, 1000, 512, 256, 1024, 100, 600), true, new AuthService.Limits(
                        new Throttle<>(new RateLimiter<>(Duration.ofMinutes(1), ticker), 100, "logins"),
                        new Throttle<>(new RateLimiter<>(Duration.ofMinutes(15), ticker), 100, "failures"),
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), ticker), 100, "signups"),
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), ticker), 100, "platform signups")),
                (user, totpCode, recoveryCode) -> { }, clock);
        auth.signup("ada@example.com", "correct horse battery", "ada", "192.0.2.1");
    }

    @Test
    void aSessionRefreshedOftenStillEndsAtItsAbsoluteLifetime() {
        AuthService.Session session = auth.login("ada@example.com", "correct horse battery", new AuthService.Client("192.0.2.1", null));
        for (int step = 0; step < 2; step++) {
            clock.advance(Duration.ofMinutes(25));
            session = auth.refresh(session.refreshToken(), new AuthService.Client(null, null));
        }
        clock.advance(Duration.ofMinutes(11));
        String last = session.refreshToken();
        assertThatThrownBy(() -> auth.refresh(last, new AuthService.Client(null, null)))
                .isInstanceOfSatisfying(ProblemException.class, refused -> assertThat(refused.problem().status()).isEqualTo(401));
        // A new login starts a new session with a whole lifetime.
        AuthService.Session fresh = auth.login("ada@example.com", "correct horse battery", new AuthService.Client("192.0.2.1", null));
        clock.advance(Duration.ofMinutes(50));
        assertThat(auth.refresh(fresh.refreshToken(), new AuthService.Client(null, null)).refreshToken()).isNotBlank();
    }

    @Test
    void aChangeMadeHereAppliesAtOnceAndOneMadeElsewhereWithinTheFreshness() {
        UserDao.UserRow ada = jdbi.withExtension(UserDao.class, dao -> dao.findByEmail("ada@example.com")).orElseThrow();
        Accounts accounts = new Accounts(jdbi, Duration.ofSeconds(5), nanos::get);
        Caller presented = new Caller(ada.id(), ada.email(), ada.tenantId(), Caller.Role.OWNER, true, null, null,
                Set.of(Caller.Scope.READ, Caller.Scope.WRITE), null, java.util.UUID.randomUUID());
        assertThat(accounts.current(presented).orElseThrow().platformAdmin()).isFalse();

        accounts.change(ada.id(), Caller.Role.DEVELOPER, null);
        assertThat(accounts.current(presented).orElseThrow().role()).isEqualTo(Caller.Role.DEVELOPER);

        // Another replica (or an operator's SQL) changes the row: this replica follows within five seconds.
        jdbi.useHandle(handle -> handle.execute("UPDATE users SET role = 'owner' WHERE id = ?", ada.id()));
        assertThat(accounts.current(presented).orElseThrow().role()).isEqualTo(Caller.Role.DEVELOPER);
        nanos.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(accounts.current(presented).orElseThrow().role()).isEqualTo(Caller.Role.OWNER);

        accounts.remove(ada.id());
        assertThat(accounts.current(presented)).isEmpty();
    }
}
