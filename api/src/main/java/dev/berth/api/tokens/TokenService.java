package dev.berth.api.tokens;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.berth.api.caller.Caller;
import dev.berth.api.caller.TokenAuthenticator;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.sites.SiteName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Personal access tokens for scripts: created with a secret shown once, prefixed {@code berth_pat_},
 * stored hashed, scoped, optionally limited to one site and expiring, revocable at once.
 * Look-ups are cached; a revocation invalidates the cache entry before it returns. Thread-safe.
 */
public final class TokenService implements TokenAuthenticator {
    public static final String PREFIX = "berth_pat_";
    private static final int MAX_TOKENS_PER_USER = 100;
    /** Last-used times are written at most this often per token, to keep reads read-only. */
    private static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    private final Jdbi jdbi;
    private final Clock clock;
    private final LoadingCache<String, Optional<TokenDao.TokenRow>> byHash;
    private final ConcurrentHashMap<UUID, Instant> lastTouched = new ConcurrentHashMap<>();

    public TokenService(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.byHash = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(Duration.ofSeconds(30))
                .build(hash -> jdbi.withExtension(TokenDao.class, dao -> dao.findByHash(hash)));
    }

    /** Creates a token for a caller with a login session; the returned secret is never shown again. */
    public CreatedToken create(Caller caller, String name, Set<Caller.Scope> scopes, String siteName, Integer expiresInDays) {
        requireLoginSession(caller);
        if (name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
            throw ProblemException.invalidField("name", "must be 1 to 100 printable characters");
        }
        if (scopes.isEmpty()) {
            throw ProblemException.invalidField("scopes", "must name at least one of read, write");
        }
        if (siteName != null) {
            SiteName.parseField("siteName", siteName);
        }
        Instant now = clock.instant();
        Instant expiresAt = expiresInDays == null ? null : now.plus(Duration.ofDays(expiresInDays));
        String secret = Secrets.random(PREFIX, 32);
        TokenDao.TokenRow row = new TokenDao.TokenRow(UUID.randomUUID(), caller.userId(), caller.tenantId(), name,
                secret.substring(0, PREFIX.length() + 6), Secrets.sha256(secret),
                scopes.stream().map(Caller.Scope::wireName).sorted().collect(Collectors.joining(",")),
                siteName, now, expiresAt, null, null, caller.email(), caller.role().wireName(), caller.platformAdmin());
        jdbi.useTransaction(handle -> {
            TokenDao dao = handle.attach(TokenDao.class);
            if (dao.listActive(caller.userId()).size() >= MAX_TOKENS_PER_USER) {
                throw Problems.QUOTA_EXCEEDED.with("at most " + MAX_TOKENS_PER_USER + " active tokens per user; revoke one first");
            }
            dao.insert(row);
        });
        return new CreatedToken(row, secret);
    }

    public List<TokenDao.TokenRow> list(Caller caller) {
        return jdbi.withExtension(TokenDao.class, dao -> dao.listActive(caller.userId()));
    }

    /** Revokes one of the caller's tokens; 404 for anybody else's. Takes effect before this returns. */
    public void revoke(Caller caller, UUID tokenId) {
        requireLoginSession(caller);
        Optional<String> hash = jdbi.inTransaction(handle -> {
            TokenDao dao = handle.attach(TokenDao.class);
            Optional<String> found = dao.findActiveHash(tokenId, caller.userId());
            found.ifPresent(h -> dao.revoke(tokenId, caller.userId(), clock.instant()));
            return found;
        });
        if (hash.isEmpty()) {
            throw Problems.NOT_FOUND.with("no token " + tokenId);
        }
        byHash.invalidate(hash.get());
    }

    @Override
    public boolean recognizes(String token) {
        return token.startsWith(PREFIX);
    }

    @Override
    public Optional<Caller> authenticate(String secret) {
        if (!secret.startsWith(PREFIX) || secret.length() > 200) {
            return Optional.empty();
        }
        Optional<TokenDao.TokenRow> found = byHash.get(Secrets.sha256(secret));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        TokenDao.TokenRow token = found.get();
        Instant now = clock.instant();
        if (token.revokedAt() != null || token.expiresAt() != null && !token.expiresAt().isAfter(now)) {
            return Optional.empty();
        }
        touch(token.id(), now);
        Set<Caller.Scope> scopes = EnumSet.noneOf(Caller.Scope.class);
        Arrays.stream(token.scopes().split(",")).map(Caller.Scope::fromWire).forEach(scopes::add);
        return Optional.of(new Caller(token.userId(), token.email(), token.tenantId(), Caller.Role.fromWire(token.role()),
                token.platformAdmin(), token.id(), token.name(), scopes, token.siteName(), null));
    }

    private void touch(UUID tokenId, Instant now) {
        Instant previous = lastTouched.get(tokenId);
        if (previous == null || previous.plus(TOUCH_INTERVAL).isBefore(now)) {
            lastTouched.put(tokenId, now);
            jdbi.useExtension(TokenDao.class, dao -> dao.touch(tokenId, now));
        }
    }

    private static void requireLoginSession(Caller caller) {
        if (caller.viaToken()) {
            throw Problems.FORBIDDEN.with("tokens are managed with a login session, not with another token");
        }
    }

    /** A new token's record and its secret. */
    public record CreatedToken(TokenDao.TokenRow token, String secret) {
    }
}
