package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.RateLimiter;
import dev.berth.api.platform.Throttle;
import dev.berth.api.support.Databases;
import dev.berth.api.tenants.Quota;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Login and signup throttling per client address, per account and per platform, with a controllable time source. */
class LoginLimitsTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private AuthService auth;

    @BeforeEach
    void setUp() throws Exception {
        Jdbi jdbi = Databases.migratedH2();
        AccessTokens tokens = new AccessTokens("berth", "berth-api", Duration.ofMinutes(15),
                Map.of("k", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)), "k", Clock.systemUTC());
        auth = new AuthService(jdbi, new PasswordHasher(64, 1, 1), tokens, new AuthService.Lifetimes(Duration.ofDays(1), Duration.ofDays(30)),
                new Quota(5, 5, 1000, 512, 256, 1024, 100, 600), true, new AuthService.Limits(
                        new Throttle<>(new RateLimiter<>(Duration.ofMinutes(1), ticker), 5, "too many login attempts"),
                        new Throttle<>(new RateLimiter<>(Duration.ofMinutes(15), ticker), 3, "too many failed logins"),
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), ticker), 3, "too many signups from this address"),
                        new Throttle<>(new RateLimiter<>(Duration.ofHours(1), ticker), 6, "too many signups on this platform")),
                (user, totpCode, recoveryCode) -> { }, Clock.systemUTC());
        auth.signup("ada@example.com", "correct horse battery", "ada", "192.0.2.200");
        auth.signup("bob@example.com", "correct horse battery", "bob", "192.0.2.201");
    }

    private static int status(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (ProblemException problem) {
            return problem.problem().status();
        }
    }

    @Test
    void oneClientAddressGetsAFixedNumberOfAttemptsPerMinuteWhateverTheAccount() {
        for (int i = 0; i < 5; i++) {
            String email = i % 2 == 0 ? "ada@example.com" : "bob@example.com";
            assertThat(status(() -> auth.login(email, "correct horse battery", new AuthService.Client("192.0.2.7", null)))).isEqualTo(200);
        }
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", new AuthService.Client("192.0.2.7", null)))).isEqualTo(429);
        // Another address is not affected, and the first recovers as the minute passes.
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", new AuthService.Client("192.0.2.8", null)))).isEqualTo(200);
        nanos.addAndGet(Duration.ofSeconds(13).toNanos());
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", new AuthService.Client("192.0.2.7", null)))).isEqualTo(200);
    }

    @Test
    void anAccountIsLockedAfterRepeatedFailuresFromAnyAddressAndASuccessDoesNotCount() {
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", new AuthService.Client("198.51.100.1", null)))).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            int address = i;
            assertThat(status(() -> auth.login("ada@example.com", "wrong " + address, new AuthService.Client("198.51.100." + (10 + address), null)))).isEqualTo(401);
        }
        assertThatThrownBy(() -> auth.login("ada@example.com", "correct horse battery", new AuthService.Client("198.51.100.99", null)))
                .isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).headers()).containsKey("Retry-After"));
        assertThat(status(() -> auth.login("bob@example.com", "correct horse battery", new AuthService.Client("198.51.100.99", null)))).isEqualTo(200);
        nanos.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", new AuthService.Client("198.51.100.99", null)))).isEqualTo(200);
    }

    @Test
    void signupsAreLimitedPerAddressAndOnTheWholePlatformAndInvalidAttemptsCountToo() {
        // Two signups from the setUp went to other addresses; this one may make three attempts per hour.
        assertThat(status(() -> auth.signup("c1@example.com", "correct horse battery", "c1", "203.0.113.5"))).isEqualTo(200);
        assertThat(status(() -> auth.signup("not an address", "correct horse battery", "c2", "203.0.113.5"))).isEqualTo(400);
        assertThat(status(() -> auth.signup("c3@example.com", "correct horse battery", "c3", "203.0.113.5"))).isEqualTo(200);
        assertThatThrownBy(() -> auth.signup("c4@example.com", "correct horse battery", "c4", "203.0.113.5"))
                .isInstanceOfSatisfying(ProblemException.class, refused -> {
                    assertThat(refused.problem().status()).isEqualTo(429);
                    assertThat(refused.headers()).containsKey("Retry-After");
                });
        // The address's refused attempt took nothing from the platform's six: setUp's two, c1, the invalid one, c3 and d1.
        assertThat(status(() -> auth.signup("d1@example.com", "correct horse battery", "d1", "203.0.113.6"))).isEqualTo(200);
        assertThat(status(() -> auth.signup("d2@example.com", "correct horse battery", "d2", "203.0.113.7"))).isEqualTo(429);
        nanos.addAndGet(Duration.ofMinutes(20).toNanos());
        assertThat(status(() -> auth.signup("d3@example.com", "correct horse battery", "d3", "203.0.113.7"))).isEqualTo(200);
    }
}
