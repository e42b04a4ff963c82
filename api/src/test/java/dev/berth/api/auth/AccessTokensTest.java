package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AccessTokensTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8);
    private final Instant now = Instant.parse("2026-11-29T10:00:00Z");
    private final AccessTokens tokens = tokens(Clock.fixed(now, ZoneOffset.UTC), Map.of("k1", KEY), "k1");

    private static AccessTokens tokens(Clock clock, Map<String, byte[]> keys, String active) {
        return new AccessTokens("berth", "berth-api", Duration.ofMinutes(15), keys, active, clock);
    }

    private String issue(AccessTokens issuer) {
        return issuer.issue(UUID.randomUUID(), "a@example.com", UUID.randomUUID(), Caller.Role.OWNER, false, UUID.randomUUID());
    }

    @Test
    void aTokenItIssuedVerifiesToTheSameCaller() {
        UUID user = UUID.randomUUID();
        UUID tenant = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        Caller caller = tokens.verify(tokens.issue(user, "a@example.com", tenant, Caller.Role.DEVELOPER, true, session)).orElseThrow();
        assertThat(caller.userId()).isEqualTo(user);
        assertThat(caller.tenantId()).isEqualTo(tenant);
        assertThat(caller.role()).isEqualTo(Caller.Role.DEVELOPER);
        assertThat(caller.platformAdmin()).isTrue();
        assertThat(caller.sessionId()).isEqualTo(session);
        assertThat(caller.viaToken()).isFalse();
    }

    @Test
    void expiredTokensAreRefused() {
        String token = issue(tokens);
        AccessTokens later = tokens(Clock.fixed(now.plus(Duration.ofMinutes(16)), ZoneOffset.UTC), Map.of("k1", KEY), "k1");
        assertThat(later.verify(token)).isEmpty();
        AccessTokens justBefore = tokens(Clock.fixed(now.plus(Duration.ofMinutes(14)), ZoneOffset.UTC), Map.of("k1", KEY), "k1");
        assertThat(justBefore.verify(token)).isPresent();
    }

    @Test
    void tokensSignedWithAnotherKeyOrWithoutSignatureAreRefused() {
        AccessTokens forger = tokens(Clock.fixed(now, ZoneOffset.UTC), Map.of("k1", OTHER), "k1");
        assertThat(tokens.verify(issue(forger))).isEmpty();
        String[] parts = issue(tokens).split("\\.");
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(tokens.verify(header + "." + parts[1] + ".")).isEmpty();
        assertThat(tokens.verify(parts[0] + "." + parts[1] + ".")).isEmpty();
        assertThat(tokens.verify("garbage")).isEmpty();
        assertThat(tokens.verify("")).isEmpty();
    }

    @Test
    void theAlgorithmIsPinned() {
        String hs512 = JWT.create().withKeyId("k1").withIssuer("berth").withAudience("berth-api").withSubject(UUID.randomUUID().toString())
                .withClaim("tid", UUID.randomUUID().toString()).withClaim("role", "owner").withClaim("sid", UUID.randomUUID().toString())
                .withExpiresAt(now.plusSeconds(60)).sign(Algorithm.HMAC512(KEY));
        assertThat(tokens.verify(hs512)).isEmpty();
    }

    @Test
    void issuerAudienceAndExpiryAreRequired() {
        Algorithm algorithm = Algorithm.HMAC256(KEY);
        String wrongAudience = JWT.create().withKeyId("k1").withIssuer("berth").withAudience("other").withSubject(UUID.randomUUID().toString())
                .withClaim("tid", UUID.randomUUID().toString()).withClaim("role", "owner").withClaim("sid", UUID.randomUUID().toString())
                .withExpiresAt(now.plusSeconds(60)).sign(algorithm);
        String wrongIssuer = JWT.create().withKeyId("k1").withIssuer("evil").withAudience("berth-api").withSubject(UUID.randomUUID().toString())
                .withClaim("tid", UUID.randomUUID().toString()).withClaim("role", "owner").withClaim("sid", UUID.randomUUID().toString())
                .withExpiresAt(now.plusSeconds(60)).sign(algorithm);
        String noExpiry = JWT.create().withKeyId("k1").withIssuer("berth").withAudience("berth-api").withSubject(UUID.randomUUID().toString())
                .withClaim("tid", UUID.randomUUID().toString()).withClaim("role", "owner").withClaim("sid", UUID.randomUUID().toString())
                .sign(algorithm);
        String noKid = JWT.create().withIssuer("berth").withAudience("berth-api").withSubject(UUID.randomUUID().toString())
                .withClaim("tid", UUID.randomUUID().toString()).withClaim("role", "owner").withClaim("sid", UUID.randomUUID().toString())
                .withExpiresAt(now.plusSeconds(60)).sign(algorithm);
        assertThat(tokens.verify(wrongAudience)).isEmpty();
        assertThat(tokens.verify(wrongIssuer)).isEmpty();
        assertThat(tokens.verify(noExpiry)).isEmpty();
        assertThat(tokens.verify(noKid)).isEmpty();
    }

    @Test
    void keysRotateByKeyId() {
        String old = issue(tokens);
        AccessTokens rotated = tokens(Clock.fixed(now, ZoneOffset.UTC), Map.of("k1", KEY, "k2", OTHER), "k2");
        String fresh = issue(rotated);
        assertThat(JWT.decode(fresh).getKeyId()).isEqualTo("k2");
        assertThat(rotated.verify(old)).isPresent();
        assertThat(rotated.verify(fresh)).isPresent();
        assertThat(tokens.verify(fresh)).isEmpty();
    }
}
