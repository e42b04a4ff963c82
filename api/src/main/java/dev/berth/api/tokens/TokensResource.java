package dev.berth.api.tokens;

import dev.berth.api.caller.Access;
import dev.berth.api.caller.Caller;
import dev.berth.api.generated.model.CreateTokenRequest;
import dev.berth.api.generated.model.CreatedToken;
import dev.berth.api.generated.model.PersonalAccessToken;
import dev.berth.api.generated.model.TokenList;
import dev.berth.api.generated.model.TokenScope;
import dev.berth.api.generated.resources.TokensApi;
import dev.berth.api.platform.Times;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Personal access tokens of the calling user. */
public final class TokensResource implements TokensApi {
    private final TokenService tokens;

    public TokensResource(TokenService tokens) {
        this.tokens = tokens;
    }

    @Override
    public Response listTokens() {
        List<PersonalAccessToken> items = tokens.list(Access.caller()).stream().map(TokensResource::toDto).toList();
        return Response.ok(new TokenList(items)).build();
    }

    @Override
    public Response createToken(CreateTokenRequest request) {
        Set<Caller.Scope> scopes = EnumSet.noneOf(Caller.Scope.class);
        request.getScopes().forEach(scope -> scopes.add(Caller.Scope.fromWire(scope.toString())));
        TokenService.CreatedToken created = tokens.create(Access.caller(), request.getName(), scopes,
                request.getSiteName(), request.getExpiresInDays());
        TokenDao.TokenRow row = created.token();
        CreatedToken body = new CreatedToken(row.id(), row.name(), row.prefix(), scopesOf(row), Times.utc(row.createdAt()),
                created.secret());
        body.setSiteName(row.siteName());
        body.setExpiresAt(Times.utc(row.expiresAt()));
        CacheControl cache = new CacheControl();
        cache.setNoStore(true);
        return Response.created(URI.create("/api/v1/tokens/" + row.id())).cacheControl(cache).entity(body).build();
    }

    @Override
    public Response deleteToken(UUID tokenId) {
        tokens.revoke(Access.caller(), tokenId);
        return Response.noContent().build();
    }

    private static PersonalAccessToken toDto(TokenDao.TokenRow row) {
        PersonalAccessToken dto = new PersonalAccessToken(row.id(), row.name(), row.prefix(), scopesOf(row), Times.utc(row.createdAt()));
        dto.setSiteName(row.siteName());
        dto.setExpiresAt(Times.utc(row.expiresAt()));
        dto.setLastUsedAt(Times.utc(row.lastUsedAt()));
        return dto;
    }

    private static List<TokenScope> scopesOf(TokenDao.TokenRow row) {
        return Arrays.stream(row.scopes().split(",")).map(TokenScope::fromValue).toList();
    }
}
