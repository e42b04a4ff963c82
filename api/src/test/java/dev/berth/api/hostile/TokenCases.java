package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.hostile.HostileCase.Allowed;
import dev.berth.api.hostile.HostileCase.Request;
import dev.berth.api.platform.Secrets;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Credentials that must not work: forged, tampered, expired or misdirected access tokens (each
 * claiming to be the victim, so that acceptance would show as a change to the victim's site),
 * replayed and stale refresh tokens, and personal access tokens used beyond what they allow.
 */
final class TokenCases {
    static final String AREA = "tokens";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private TokenCases() {
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        Forger forge = new Forger(world);
        long now = Instant.now().getEpochSecond();
        String genuine = world.victim.accessToken();
        String[] parts = genuine.split("\\.");
        String[] ownerParts = world.owner.accessToken().split("\\.");

        Map<String, String> jwts = new LinkedHashMap<>();
        jwts.put("alg none without a signature", forge.token(header("none", world.keyId), claims -> claims, null, null));
        jwts.put("alg None (capitalised) without a signature", forge.token(header("None", world.keyId), claims -> claims, null, null));
        jwts.put("alg none followed by a valid HS256 signature",
                forge.token(header("none", world.keyId), claims -> claims, "HmacSHA256", world.signingKey));
        jwts.put("a signature made with another key under the right key id",
                forge.token(header("HS256", world.keyId), claims -> claims, "HmacSHA256", "another-key-that-is-long-enough-32b".getBytes()));
        jwts.put("an unknown key id", forge.token(header("HS256", "test2"), claims -> claims, "HmacSHA256", world.signingKey));
        jwts.put("no key id", forge.token(header("HS256", null), claims -> claims, "HmacSHA256", world.signingKey));
        jwts.put("HS512 with the right key (algorithm confusion)",
                forge.token(header("HS512", world.keyId), claims -> claims, "HmacSHA512", world.signingKey));
        jwts.put("an RS256 header over an HMAC signature", forge.token(header("RS256", world.keyId), claims -> claims, "HmacSHA256", world.signingKey));
        jwts.put("an expiry an hour ago", forge.signed(claims -> with(claims, "exp", now - 3600)));
        jwts.put("an expiry 30 seconds ago, beyond the leeway", forge.signed(claims -> with(claims, "exp", now - 30)));
        jwts.put("another audience", forge.signed(claims -> with(claims, "aud", "berth-portal")));
        jwts.put("an audience list without the API", forge.signed(claims -> with(claims, "aud", List.of("other", "berth-api-x"))));
        jwts.put("another issuer", forge.signed(claims -> with(claims, "iss", "evil")));
        jwts.put("no expiry", forge.signed(claims -> without(claims, "exp")));
        jwts.put("no subject", forge.signed(claims -> without(claims, "sub")));
        jwts.put("no tenant", forge.signed(claims -> without(claims, "tid")));
        jwts.put("no session", forge.signed(claims -> without(claims, "sid")));
        jwts.put("no issuer", forge.signed(claims -> without(claims, "iss")));
        jwts.put("no audience", forge.signed(claims -> without(claims, "aud")));
        jwts.put("a not-before an hour ahead", forge.signed(claims -> with(claims, "nbf", now + 3600)));
        jwts.put("an issue time an hour ahead", forge.signed(claims -> with(claims, "iat", now + 3600)));
        jwts.put("a subject that is not a UUID (well signed)", forge.signed(claims -> with(claims, "sub", "' OR 1=1 --")));
        jwts.put("a tenant that is not a UUID (well signed)", forge.signed(claims -> with(claims, "tid", "../" + world.victim.tenantId())));
        jwts.put("an unknown role (well signed)", forge.signed(claims -> with(claims, "role", "god")));
        jwts.put("a payload raised to platform admin under the genuine signature",
                parts[0] + "." + BASE64.encodeToString(forge.claimsJson(claims -> with(claims, "adm", true))) + "." + parts[2]);
        jwts.put("the victim's payload under the attacker's own signature", parts[0] + "." + parts[1] + "." + ownerParts[2]);
        jwts.put("one signature character changed", parts[0] + "." + parts[1] + "." + flip(parts[2]));
        jwts.put("the signature stripped", parts[0] + "." + parts[1] + ".");
        jwts.put("four segments", genuine + ".extra");
        jwts.put("segments that are not base64", "%%%.%%%.%%%");
        jwts.put("a header that is not a JSON object", BASE64.encodeToString("[1]".getBytes()) + "." + parts[1] + "." + parts[2]);
        jwts.put("a refresh token in place of an access token", world.victim.refreshToken());
        jwts.put("a made-up personal access token", "berth_pat_" + "A".repeat(43));
        jwts.put("a 300-character personal access token", "berth_pat_" + "A".repeat(290));
        jwts.put("a revoked personal access token", world.revokedToken);
        jwts.put("an expired personal access token", world.expiredToken);

        String victimSite = "/sites/" + world.victimSite;
        jwts.forEach((what, token) -> {
            cases.add(refused(AREA, "creating a site with " + what + " is refused",
                    Request.json("POST", "/sites", token, "{\"name\":\"" + Tenants.unique("forged") + "\"}"), 401, "invalid-token")
                    .checking(TokenCases::challenges));
            cases.add(refused(AREA, "deleting the victim's site with " + what + " is refused",
                    Request.json("DELETE", victimSite, token, null), 401, "invalid-token").checking(TokenCases::challenges));
        });

        // Sessions that ended: their access tokens stop at once.
        cases.add(refused(AREA, "an access token of a logged-out session is refused", null, 401, "invalid-token").preparedBy(() -> {
            Session session = login(world, world.victim);
            world.api.post("/auth/logout", session.accessToken(), "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
            return Request.json("DELETE", victimSite, session.accessToken(), null);
        }));
        cases.add(refused(AREA, "an access token of a session revoked by a refresh replay is refused", null, 401, "invalid-token").preparedBy(() -> {
            Session session = login(world, world.victim);
            world.api.post("/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
            world.api.post("/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
            return Request.json("DELETE", victimSite, session.accessToken(), null);
        }));

        // Authorization headers that are not a bearer token.
        for (String[] header : new String[][] {{"Basic " + Base64.getEncoder().encodeToString((world.victim.email() + ":" + Tenants.PASSWORD)
                .getBytes(StandardCharsets.UTF_8)), "unauthenticated", "the victim's password as Basic"},
                {"Bearer", "unauthenticated", "the scheme without a token"}, {"Token " + genuine, "unauthenticated", "another scheme name"},
                {"Bearer    ", "unauthenticated", "a blank token (HTTP trims it to the bare scheme)"}, {"Bearer " + genuine + " " + genuine, "invalid-token", "two tokens"}}) {
            cases.add(refused(AREA, "an Authorization header with " + header[2] + " is refused",
                    Request.json("DELETE", victimSite, null, null).withHeaders(Map.of("Authorization", header[0])), 401, header[1])
                    .checking(TokenCases::challenges));
        }
        cases.add(refused(AREA, "no Authorization header is refused", Request.json("DELETE", victimSite, null, null), 401, "unauthenticated")
                .checking(TokenCases::challenges));

        // Refresh tokens: single use, bound to their session, expiring.
        java.util.concurrent.atomic.AtomicReference<String> rotatedAccessToken = new java.util.concurrent.atomic.AtomicReference<>();
        cases.add(refused(AREA, "a replayed refresh token is refused and ends its whole session", null, 401, "invalid-token")
                .allowing(Allowed.SESSION_REVOKED).preparedBy(() -> {
                    Session session = login(world, world.owner);
                    ApiClient.Answer rotated = world.api.post("/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
                    assertThat(rotated.status()).isEqualTo(200);
                    rotatedAccessToken.set(rotated.json().get("accessToken").asText());
                    return Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
                }).checking(answer -> assertThat(world.api.get("/me", rotatedAccessToken.get()).status())
                        .as("the access token the rotation issued dies with the session").isEqualTo(401)));
        cases.add(refused(AREA, "a made-up refresh token is refused",
                Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":\"berth_rt_" + "A".repeat(43) + "\"}"), 401, "invalid-token"));
        cases.add(refused(AREA, "a refresh token with a trailing space is refused",
                Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":\"" + world.owner.refreshToken() + " \"}"), 401, "invalid-token"));
        cases.add(refused(AREA, "an access token presented as a refresh token is refused",
                Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":\"" + world.owner.accessToken() + "\"}"), 400, "validation"));
        cases.add(refused(AREA, "an expired refresh token is refused", null, 401, "invalid-token").preparedBy(() -> {
            Session session = login(world, world.owner);
            world.app.jdbi().useHandle(handle -> handle.createUpdate("UPDATE refresh_tokens SET expires_at = :past WHERE token_hash = :hash")
                    .bind("past", java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusMinutes(1))
                    .bind("hash", Secrets.sha256(session.refreshToken())).execute());
            return Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
        }));
        cases.add(refused(AREA, "the refresh token of a logged-out session is refused", null, 401, "invalid-token").preparedBy(() -> {
            Session session = login(world, world.owner);
            world.api.post("/auth/logout", session.accessToken(), "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
            return Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":\"" + session.refreshToken() + "\"}");
        }));
        cases.add(refused(AREA, "logging out the victim's session with the attacker's access token is refused",
                Request.json("POST", "/auth/logout", world.owner.accessToken(), "{\"refreshToken\":\"" + world.victim.refreshToken() + "\"}"),
                401, "invalid-token"));

        // Personal access tokens beyond their scope or site.
        String read = world.readToken;
        String limited = world.siteToken;
        String site = "/sites/" + world.site;
        String other = "/sites/" + world.otherSite;
        Object[][] scoped = {
                {read, "POST", "/sites", "{\"name\":\"" + Tenants.unique("scope") + "\"}", "a read-only token creating a site"},
                {read, "DELETE", site, null, "a read-only token deleting a site"},
                {read, "POST", site + "/stop", null, "a read-only token stopping a site"},
                {read, "PUT", site + "/git", "{\"repositoryUrl\":\"https://github.com/octo/site.git\",\"branch\":\"main\"}",
                        "a read-only token setting a Git source"},
                {read, "POST", "/tokens", "{\"name\":\"x\",\"scopes\":[\"read\",\"write\"]}", "a read-only token minting a write token"},
                {limited, "POST", other + "/stop", null, "a token limited to one site stopping another"},
                {limited, "DELETE", other, null, "a token limited to one site deleting another"},
                {limited, "POST", "/sites", "{\"name\":\"" + Tenants.unique("scope") + "\"}", "a token limited to one site creating a site"},
                {limited, "GET", "/sites", null, "a token limited to one site listing every site"},
                {limited, "GET", "/tenant", null, "a token limited to one site reading the tenant"},
                {limited, "POST", "/tokens", "{\"name\":\"x\",\"scopes\":[\"read\"]}", "a token limited to one site minting a token"},
        };
        for (Object[] call : scoped) {
            cases.add(refused(AREA, call[4] + " is refused", Request.json((String) call[1], (String) call[2], (String) call[0], (String) call[3]), 403,
                    "insufficient-scope"));
        }
        cases.add(refused(AREA, "a write token minting another token is forbidden",
                Request.json("POST", "/tokens", world.writeToken, "{\"name\":\"x\",\"scopes\":[\"read\",\"write\"]}"), 403, "forbidden"));
        cases.add(refused(AREA, "a write token revoking the victim's token answers 404", Request.json("DELETE", "/tokens/" + world.victimTokenId,
                world.owner.accessToken(), null), 404, "not-found"));
        cases.add(refused(AREA, "a tenant owner reading the admin tenant list is forbidden",
                Request.json("GET", "/admin/tenants", world.owner.accessToken(), null), 403, "forbidden"));
        return cases;
    }

    /**
     * The victim's claims, unchanged, signed by the suite's forger: the server must accept it, or the
     * "well signed" cases would be refused for their signature instead of the claim they change.
     */
    static String controlToken(World world) {
        return new Forger(world).signed(claims -> claims);
    }

    private static void challenges(ApiClient.Answer answer) {
        assertThat(answer.header("WWW-Authenticate")).as(answer.toString()).startsWith("Bearer");
    }

    private static Session login(World world, Session who) {
        return Tenants.login(world.api, who.email(), Tenants.PASSWORD, who.tenantId(), who.tenantName());
    }

    private static Map<String, Object> header(String algorithm, String keyId) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", algorithm);
        header.put("typ", "JWT");
        if (keyId != null) {
            header.put("kid", keyId);
        }
        return header;
    }

    private static Map<String, Object> with(Map<String, Object> claims, String name, Object value) {
        claims.put(name, value);
        return claims;
    }

    private static Map<String, Object> without(Map<String, Object> claims, String name) {
        claims.remove(name);
        return claims;
    }

    private static String flip(String signature) {
        char last = signature.charAt(signature.length() / 2);
        return signature.substring(0, signature.length() / 2) + (last == 'A' ? 'B' : 'A') + signature.substring(signature.length() / 2 + 1);
    }

    /** Builds JWTs claiming to be the victim, from the claims of the victim's genuine token. */
    private static final class Forger {
        private final World world;

        Forger(World world) {
            this.world = world;
        }

        Map<String, Object> victimClaims() {
            Map<String, Object> claims = new LinkedHashMap<>();
            world.victimClaims.getClaims().forEach((name, claim) -> claims.put(name, claim.as(Object.class)));
            return claims;
        }

        byte[] claimsJson(UnaryOperator<Map<String, Object>> change) {
            try {
                return JSON.writeValueAsBytes(change.apply(victimClaims()));
            } catch (java.io.IOException impossible) {
                throw new AssertionError(impossible);
            }
        }

        /** Claims changed as given, signed exactly as the server signs (HS256, the active key). */
        String signed(UnaryOperator<Map<String, Object>> change) {
            return token(header("HS256", world.keyId), change, "HmacSHA256", world.signingKey);
        }

        /** A token with this header and the victim's claims changed as given, signed with {@code mac} (none if null). */
        String token(Map<String, Object> header, UnaryOperator<Map<String, Object>> change, String mac, byte[] key) {
            try {
                String signingInput = BASE64.encodeToString(JSON.writeValueAsBytes(header)) + "."
                        + BASE64.encodeToString(claimsJson(change));
                if (mac == null) {
                    return signingInput + ".";
                }
                Mac hmac = Mac.getInstance(mac);
                hmac.init(new SecretKeySpec(key, mac));
                return signingInput + "." + BASE64.encodeToString(hmac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
            } catch (java.io.IOException | java.security.GeneralSecurityException impossible) {
                throw new AssertionError(impossible);
            }
        }
    }
}
