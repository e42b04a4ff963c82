package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.RateLimiter;
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

/** Login throttling per client address and per account, with a controllable time source. */
class LoginLimitsTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private AuthService auth;

    @BeforeEach
    void setUp() throws Exception {
        Jdbi jdbi = Databases.migratedH2();
        AccessTokens tokens = new AccessTokens("berth", "berth-api", Duration.ofMinutes(15),
                Map.of("k", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)), "k", Clock.systemUTC());
        auth = new AuthService(jdbi, new PasswordHasher(64, 1, 1), tokens, Duration.ofDays(1),
                new Quota(5, 5, 1000, 512, 256, 1024, 100, 600), true,
                new RateLimiter<>(Duration.ofMinutes(15), ticker), 3,
                new RateLimiter<>(Duration.ofMinutes(1), ticker), 5, Clock.systemUTC());
        auth.signup("ada@example.com", "correct horse battery", "ada");
        auth.signup("bob@example.com", "correct horse battery", "bob");
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
            assertThat(status(() -> auth.login(email, "correct horse battery", "192.0.2.7"))).isEqualTo(200);
        }
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", "192.0.2.7"))).isEqualTo(429);
        // Another address is not affected, and the first recovers as the minute passes.
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", "192.0.2.8"))).isEqualTo(200);
        nanos.addAndGet(Duration.ofSeconds(13).toNanos());
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", "192.0.2.7"))).isEqualTo(200);
    }

    @Test
    void anAccountIsLockedAfterRepeatedFailuresFromAnyAddressAndASuccessDoesNotCount() {
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", "198.51.100.1"))).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            int address = i;
            assertThat(status(() -> auth.login("ada@example.com", "wrong " + address, "198.51.100." + (10 + address)))).isEqualTo(401);
        }
        assertThatThrownBy(() -> auth.login("ada@example.com", "correct horse battery", "198.51.100.99"))
                .isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).headers()).containsKey("Retry-After"));
        assertThat(status(() -> auth.login("bob@example.com", "correct horse battery", "198.51.100.99"))).isEqualTo(200);
        nanos.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(status(() -> auth.login("ada@example.com", "correct horse battery", "198.51.100.99"))).isEqualTo(200);
    }
}
