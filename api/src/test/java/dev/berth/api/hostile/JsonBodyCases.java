package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.field;
import static dev.berth.api.hostile.HostileCase.refused;

import dev.berth.api.hostile.HostileCase.Request;
import dev.berth.api.support.Tenants;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Bodies that are not JSON, not the right JSON, or JSON that tries to set what a client may not. */
final class JsonBodyCases {
    static final String AREA = "JSON bodies";

    private JsonBodyCases() {
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String token = world.owner.accessToken();
        String name = Tenants.unique("json");
        String valid = "{\"name\":\"" + name + "\"}";

        // Not JSON at all, or not an object.
        String[][] malformed = {
                {"{\"name\":", "a truncated object"},
                {"{\"name\":\"" + name + "\"", "an unclosed object"},
                {"{'name':'" + name + "'}", "single quotes"},
                {"{name:\"" + name + "\"}", "an unquoted key"},
                {"{\"name\":\"" + name + "\",}", "a trailing comma"},
                {"/* hi */" + valid, "a comment"},
                {"{\"name\":NaN}", "NaN"},
                {"{\"name\":\"a\u0001b\"}", "an unescaped control character in a string"},
                {"{\"name\":\"" + name + "\"}}", "a stray closing brace"},
                                {"{\"a\":".repeat(3000) + "1" + "}".repeat(3000), "3,000 nested objects"},
        };
        for (String[] body : malformed) {
            cases.add(refused(AREA, "a body with " + body[1] + " is malformed JSON", Request.json("POST", "/sites", token, body[0]), 400,
                    "malformed-json"));
        }
        byte[] invalidUtf8 = ("{\"name\":\"" + name).getBytes(StandardCharsets.UTF_8);
        invalidUtf8 = java.util.Arrays.copyOf(invalidUtf8, invalidUtf8.length + 4);
        invalidUtf8[invalidUtf8.length - 4] = (byte) 0xc3;
        invalidUtf8[invalidUtf8.length - 3] = (byte) 0x28;
        invalidUtf8[invalidUtf8.length - 2] = '"';
        invalidUtf8[invalidUtf8.length - 1] = '}';
        cases.add(refused(AREA, "a body with invalid UTF-8 is malformed JSON",
                Request.bytes("POST", "/sites", token, invalidUtf8, "application/json"), 400, "malformed-json"));
        String[][] notAnObject = {
                {"null", "null"}, {"[]", "an array"}, {"\"" + name + "\"", "a string"}, {"42", "a number"}, {"true", "a boolean"},
                {valid + " " + valid, "two objects in a row"},
        };
        for (String[] body : notAnObject) {
            cases.add(refused(AREA, "a body that is " + body[1] + " instead of an object is refused", Request.json("POST", "/sites", token, body[0]),
                    400, "validation"));
        }
        cases.add(refused(AREA, "a body of 5,000 nested arrays is refused at the first one",
                Request.json("POST", "/sites", token, "[".repeat(5000) + "]".repeat(5000)), 400, "validation"));
        cases.add(refused(AREA, "an empty body is refused", Request.bytes("POST", "/sites", token, new byte[0], "application/json"), 400,
                "validation"));

        // The right shape with the wrong types.
        for (String[] value : new String[][] {{"42", "a number"}, {"true", "a boolean"}, {"null", "null"}, {"{}", "an object"},
                {"[\"" + name + "\"]", "an array"}, {"1.5", "a fraction"}, {"1e999999", "an enormous number"}}) {
            cases.add(refused(AREA, "a site name that is " + value[1] + " is refused",
                    Request.json("POST", "/sites", token, "{\"name\":" + value[0] + "}"), 400, "validation").checking(field("name")));
        }
        cases.add(refused(AREA, "a body without the required name is refused", Request.json("POST", "/sites", token, "{}"), 400, "validation")
                .checking(field("name")));

        // Mass assignment: a body can never set what the server owns.
        for (String extra : new String[] {"\"tenantId\":\"" + world.victim.tenantId() + "\"", "\"id\":\"" + java.util.UUID.randomUUID() + "\"",
                "\"ipv4\":\"10.1.1.9\"", "\"ipv6\":\"fd42:b3f1:7a00:1::9\"", "\"desiredState\":\"stopped\"", "\"observedState\":\"running\"",
                "\"generation\":99", "\"release\":\"../../etc\"", "\"maxSites\":1000", "\"Name\":\"" + name + "\"",
                "\"__proto__\":{\"admin\":true}"}) {
            String key = extra.substring(1, extra.indexOf('"', 1));
            cases.add(refused(AREA, "a site body that also sets '" + key + "' is refused",
                    Request.json("POST", "/sites", token, "{\"name\":\"" + name + "\"," + extra + "}"), 400, "validation").checking(field(key)));
        }
        cases.add(refused(AREA, "a site body naming the site twice is refused (no last-key-wins surprise)",
                Request.json("POST", "/sites", token, "{\"name\":\"" + name + "\",\"name\":\"" + Tenants.unique("dup") + "\"}"), 400,
                "malformed-json"));
        String email = Tenants.unique("mass") + "@example.com";
        String signup = "{\"email\":\"" + email + "\",\"password\":\"" + Tenants.PASSWORD + "\",\"tenantName\":\"" + Tenants.unique("mass") + "\"";
        for (String extra : new String[] {"\"platformAdmin\":true", "\"role\":\"owner\"", "\"tenantId\":\"" + world.victim.tenantId() + "\""}) {
            String key = extra.substring(1, extra.indexOf('"', 1));
            cases.add(refused(AREA, "a signup that also sets '" + key + "' is refused", Request.json("POST", "/signup", null, signup + "," + extra + "}"),
                    400, "validation").checking(field(key)));
        }
        cases.add(refused(AREA, "a signup with a 100,000-character password is refused before hashing",
                Request.json("POST", "/signup", null, signup.replace(Tenants.PASSWORD, "p".repeat(100_000)) + "}"), 400, "validation")
                .checking(field("password")));

        // Logins and refreshes with the wrong shapes.
        cases.add(refused(AREA, "a login whose email is an array is refused",
                Request.json("POST", "/auth/login", null, "{\"email\":[\"" + world.owner.email() + "\"],\"password\":\"x\"}"), 400, "validation"));
        cases.add(refused(AREA, "a login without a password is refused",
                Request.json("POST", "/auth/login", null, "{\"email\":\"" + world.owner.email() + "\"}"), 400, "validation").checking(field("password")));
        cases.add(refused(AREA, "a login that also sets 'platformAdmin' is refused",
                Request.json("POST", "/auth/login", null, "{\"email\":\"" + world.owner.email() + "\",\"password\":\"" + Tenants.PASSWORD
                        + "\",\"platformAdmin\":true}"), 400, "validation"));
        cases.add(refused(AREA, "a refresh whose token is a number is refused",
                Request.json("POST", "/auth/refresh", null, "{\"refreshToken\":123}"), 400, "validation").checking(field("refreshToken")));

        // Personal access tokens: scopes and lifetimes out of range.
        String[][] tokens = {
                {"\"scopes\":[\"admin\"]", "scopes[0]", "an unknown scope"},
                {"\"scopes\":[]", "scopes", "no scope"},
                {"\"scopes\":\"read\"", "scopes", "scopes as a string"},
                {"\"scopes\":[\"read\"],\"expiresInDays\":-1", "expiresInDays", "a negative lifetime"},
                {"\"scopes\":[\"read\"],\"expiresInDays\":0", "expiresInDays", "a zero lifetime"},
                {"\"scopes\":[\"read\"],\"expiresInDays\":100000000", "expiresInDays", "a lifetime of 100 million days"},
                {"\"scopes\":[\"read\"],\"expiresInDays\":1.5", "expiresInDays", "a fractional lifetime"},
                {"\"scopes\":[\"read\"],\"expiresInDays\":\"30\"", "expiresInDays", "a lifetime as a string"},
                {"\"scopes\":[\"read\"],\"userId\":\"" + world.victimClaims.getSubject() + "\"", "userId", "another user's id"},
        };
        for (String[] body : tokens) {
            cases.add(refused(AREA, "a token with " + body[2] + " is refused",
                    Request.json("POST", "/tokens", token, "{\"name\":\"ci\"," + body[0] + "}"), 400, "validation").checking(field(body[1])));
        }
        cases.add(refused(AREA, "a token named with a NUL character is refused",
                Request.json("POST", "/tokens", token, "{\"name\":\"c\\u0000i\",\"scopes\":[\"read\"]}"), 400, "validation").checking(field("name")));
        cases.add(refused(AREA, "a token with a 10,000-character name is refused",
                Request.json("POST", "/tokens", token, "{\"name\":\"" + "n".repeat(10_000) + "\",\"scopes\":[\"read\"]}"), 400, "validation")
                .checking(field("name")));

        // Quotas: only admins may set them, and only to sane values.
        String quota = "/admin/tenants/" + world.owner.tenantId() + "/quota";
        String admin = world.admin.accessToken();
        String sane = "{\"maxSites\":10,\"maxRunningSites\":10,\"cpuMillicores\":1000,\"memoryMib\":512,\"pids\":256,\"diskMib\":1024,"
                + "\"maxUploadMib\":1,\"apiRequestsPerMinute\":100000}";
        for (String[] bad : new String[][] {{"\"maxSites\":10", "\"maxSites\":-1", "maxSites", "a negative"},
                {"\"maxSites\":10", "\"maxSites\":2147483648", "maxSites", "an overflowing"},
                {"\"memoryMib\":512", "\"memoryMib\":\"512\"", "memoryMib", "a string"},
                {"\"pids\":256", "\"pids\":2.5", "pids", "a fractional"},
                {"\"cpuMillicores\":1000,", "", "cpuMillicores", "a missing"}}) {
            cases.add(refused(AREA, "an admin quota with " + bad[3] + " " + bad[2] + " is refused",
                    Request.json("PUT", quota, admin, sane.replace(bad[0], bad[1])), 400, "validation").checking(field(bad[2])));
        }
        cases.add(refused(AREA, "a tenant owner setting its own quota is forbidden",
                Request.json("PUT", quota, token, sane.replace("\"maxSites\":10", "\"maxSites\":1000")), 403, "forbidden"));

        // Query parameters and headers.
        for (String[] query : new String[][] {{"limit=0", "a zero limit"}, {"limit=201", "a limit over 200"}, {"limit=-5", "a negative limit"},
                {"limit=abc", "a limit that is not a number"},
                {"cursor=%25%25%25", "a cursor that is not base64"},
                {"cursor=" + "A".repeat(5000), "a 5,000-character cursor"}}) {
            cases.add(refused(AREA, "listing sites with " + query[1] + " is refused", Request.json("GET", "/sites?" + query[0], token, null), 400,
                    "validation").checking(field(query[0].substring(0, query[0].indexOf('=')))));
        }
        cases.add(refused(AREA, "an Idempotency-Key of 1,000 characters is refused",
                Request.json("POST", "/sites", token, valid).withHeaders(Map.of("Idempotency-Key", "k".repeat(1000))), 400, "validation"));
        cases.add(refused(AREA, "a stale If-Match on a quota is refused",
                Request.json("PUT", quota, admin, sane).withHeaders(Map.of("If-Match", "\"q0-forged\"")), 412, "precondition-failed"));

        // Content types that are not JSON.
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x",
                "application/octet-stream"}) {
            cases.add(refused(AREA, "a site body sent as " + type + " is refused",
                    Request.json("POST", "/sites", token, valid).withContentType(type), 415, "unsupported-media-type"));
        }
        cases.add(refused(AREA, "a site body sent without a content type is refused",
                Request.json("POST", "/sites", token, valid).withContentType(null), 415, "unsupported-media-type"));
        return cases;
    }
}
