package dev.berth.api.auth;

import dev.berth.api.caller.Caller;
import com.auth0.jwt.JWT;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Issues and verifies access tokens: HS256 JWTs with a pinned algorithm, required {@code iss},
 * {@code aud} and {@code exp}, and a {@code kid} naming the key so that keys can be rotated (old
 * keys keep verifying until their tokens expire). Thread-safe.
 */
public final class AccessTokens {
    private final String issuer;
    private final String audience;
    private final Duration lifetime;
    private final String activeKeyId;
    private final Map<String, Algorithm> algorithms;
    private final Map<String, JWTVerifier> verifiers;
    private final Clock clock;
    /**
     * Verified tokens, so that a client sending the same token many times pays for the HMAC and the
     * JSON decoding once. Only successful verifications are kept, with their expiry re-checked on
     * every hit; revocation is checked by the caller on every request regardless.
     */
    private final Cache<String, Verified> verified = Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfterWrite(java.time.Duration.ofMinutes(1))
            .build();

    /**
     * @param keys         key id to secret (at least 32 bytes each); the active key signs, all verify
     * @param activeKeyId  the key that signs new tokens
     */
    public AccessTokens(String issuer, String audience, Duration lifetime, Map<String, byte[]> keys, String activeKeyId, Clock clock) {
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("the active signing key '" + activeKeyId + "' is not among the configured keys");
        }
        this.issuer = issuer;
        this.audience = audience;
        this.lifetime = lifetime;
        this.activeKeyId = activeKeyId;
        this.clock = clock;
        this.algorithms = new LinkedHashMap<>();
        this.verifiers = new LinkedHashMap<>();
        keys.forEach((kid, secret) -> {
            if (secret.length < 32) {
                throw new IllegalArgumentException("signing key '" + kid + "' must be at least 32 bytes");
            }
            Algorithm algorithm = Algorithm.HMAC256(secret);
            algorithms.put(kid, algorithm);
            verifiers.put(kid, ((JWTVerifier.BaseVerification) JWT.require(algorithm)
                    .withIssuer(issuer)
                    .withAudience(audience)
                    .withClaimPresence("exp")
                    .withClaimPresence("sub")
                    .withClaimPresence("tid")
                    .acceptLeeway(5))
                    .build(clock));
        });
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** A signed access token for a login session. */
    public String issue(UUID userId, String email, UUID tenantId, Caller.Role role, boolean platformAdmin, UUID sessionId) {
        Instant now = clock.instant();
        return JWT.create()
                .withKeyId(activeKeyId)
                .withIssuer(issuer)
                .withAudience(audience)
                .withSubject(userId.toString())
                .withIssuedAt(now)
                .withExpiresAt(now.plus(lifetime))
                .withJWTId(UUID.randomUUID().toString())
                .withClaim("tid", tenantId.toString())
                .withClaim("email", email)
                .withClaim("role", role.wireName())
                .withClaim("adm", platformAdmin)
                .withClaim("sid", sessionId.toString())
                .sign(algorithms.get(activeKeyId));
    }

    /** The caller a token stands for, or empty if the token is forged, expired, malformed or of another audience. */
    public Optional<Caller> verify(String token) {
        Verified hit = verified.getIfPresent(token);
        if (hit != null) {
            return hit.expiresAt().isAfter(clock.instant()) ? Optional.of(hit.caller()) : Optional.empty();
        }
        Optional<Caller> caller = verifyUncached(token);
        caller.ifPresent(c -> verified.put(token, new Verified(c, JWT.decode(token).getExpiresAtAsInstant())));
        return caller;
    }

    private Optional<Caller> verifyUncached(String token) {
        try {
            DecodedJWT unverified = JWT.decode(token);
            JWTVerifier verifier = unverified.getKeyId() == null ? null : verifiers.get(unverified.getKeyId());
            if (verifier == null) {
                return Optional.empty();
            }
            DecodedJWT jwt = verifier.verify(unverified);
            return Optional.of(new Caller(
                    UUID.fromString(jwt.getSubject()),
                    jwt.getClaim("email").asString(),
                    UUID.fromString(jwt.getClaim("tid").asString()),
                    Caller.Role.fromWire(jwt.getClaim("role").asString()),
                    Boolean.TRUE.equals(jwt.getClaim("adm").asBoolean()),
                    null, null,
                    Set.of(Caller.Scope.READ, Caller.Scope.WRITE),
                    null,
                    UUID.fromString(jwt.getClaim("sid").asString())));
        } catch (JWTVerificationException | IllegalArgumentException | NullPointerException invalid) {
            return Optional.empty();
        }
    }

    private record Verified(Caller caller, Instant expiresAt) {
    }
}
