package dev.berth.api.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.caller.Caller;
import dev.berth.api.support.Databases;
import dev.berth.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Personal access tokens stop working at their expiry, with a controllable clock. */
class TokenExpiryTest {

    @Test
    void aTokenWorksUntilItsExpiryAndNotAfter() throws Exception {
        Jdbi jdbi = Databases.migratedH2();
        UUID tenant = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        jdbi.useHandle(handle -> {
            handle.execute("INSERT INTO tenants (id, name, created_at) VALUES (?, 'acme', ?)", tenant, Instant.now());
            handle.execute("INSERT INTO users (id, tenant_id, email, password_hash, role, platform_admin, created_at) "
                    + "VALUES (?, ?, 'a@example.com', 'x', 'owner', false, ?)", user, tenant, Instant.now());
        });
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));
        TokenService tokens = new TokenService(jdbi, clock);
        Caller owner = new Caller(user, "a@example.com", tenant, Caller.Role.OWNER, false, null, null,
                Set.of(Caller.Scope.READ, Caller.Scope.WRITE), null, UUID.randomUUID());
        String secret = tokens.create(owner, "ci", Set.of(Caller.Scope.READ), null, 1).secret();
        assertThat(tokens.authenticate(secret)).isPresent();
        clock.advance(Duration.ofHours(23));
        assertThat(tokens.authenticate(secret)).isPresent();
        clock.advance(Duration.ofHours(2));
        assertThat(tokens.authenticate(secret)).isEmpty();
        assertThat(tokens.authenticate(secret.substring(0, secret.length() - 1) + "x")).isEmpty();
        assertThat(tokens.authenticate("berth_pat_" + "A".repeat(300))).isEmpty();
    }
}
