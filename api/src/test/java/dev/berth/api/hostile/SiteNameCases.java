package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.field;
import static dev.berth.api.hostile.HostileCase.quote;
import static dev.berth.api.hostile.HostileCase.refused;

import dev.berth.api.hostile.HostileCase.Request;
import dev.berth.api.support.Tenants;
import java.util.ArrayList;
import java.util.List;

/** Site names that must never become a site (or a path to one), and tenant names likewise. */
final class SiteNameCases {
    static final String AREA = "site names";

    private SiteNameCases() {
    }

    /** Each: the name, and what is hostile about it. */
    private static final String[][] BAD_NAMES = {
            {"", "an empty name"},
            {"-lead", "a leading hyphen"},
            {"trail-", "a trailing hyphen"},
            {"UPPER", "upper case"},
            {"MiXed", "mixed case"},
            {"under_score", "an underscore"},
            {"dot.ted", "a dot, which would make a deeper subdomain"},
            {"a".repeat(64), "64 characters, one over a DNS label"},
            {"a".repeat(10_000), "10,000 characters"},
            {"xn--abc", "the punycode prefix xn--"},
            {"ab--cd", "hyphens in the third and fourth positions (reserved for IDNA)"},
            {"caf\u00e9", "a non-ASCII letter"},
            {"p\u0430ypal", "a Cyrillic homoglyph of a Latin letter"},
            {"site\u200b", "a zero-width space"},
            {"site\u202eevil", "a right-to-left override"},
            {"\uff53\uff49\uff54\uff45", "full-width letters"},
            {"\ud83d\ude80", "an emoji"},
            {" site", "a leading space"},
            {"site ", "a trailing space"},
            {"si te", "an inner space"},
            {"site\t", "a tab"},
            {"site\n", "a newline"},
            {"site\u0000", "a NUL character"},
            {"site\r\nX-Injected: 1", "a CRLF header injection"},
            {"../admin", "a parent-directory path"},
            {"a/b", "a slash"},
            {"a\\b", "a backslash"},
            {"%2e%2e", "percent-encoded dots"},
            {"*", "a wildcard"},
            {"*.berth", "a wildcard label"},
            {"site;rm -rf", "a shell separator"},
            {"$(id)", "a shell substitution"},
            {"<script>", "markup"},
            {"' OR '1'='1", "an SQL injection"},
            {"site@evil", "an at sign"},
            {"site:80", "a port"},
            {"site#x", "a fragment"},
            {"site?x", "a query"},
    };

    private static final String[] RESERVED = {"www", "api", "admin", "hooks", "localhost", "acme", "wpad", "autodiscover", "mail", "ns1"};

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String token = world.owner.accessToken();
        for (String[] bad : BAD_NAMES) {
            cases.add(refused(AREA, "creating a site named with " + bad[1] + " is refused",
                    Request.json("POST", "/sites", token, "{\"name\":" + quote(bad[0]) + "}"), 400, "validation").checking(field("name")));
        }
        for (String reserved : RESERVED) {
            cases.add(refused(AREA, "creating a site with the reserved name '" + reserved + "' is refused",
                    Request.json("POST", "/sites", token, "{\"name\":\"" + reserved + "\"}"), 400, "validation").checking(field("name")));
        }
        cases.add(refused(AREA, "creating a site with the name of another tenant's site is a conflict",
                Request.json("POST", "/sites", token, "{\"name\":\"" + world.victimSite + "\"}"), 409, "name-taken"));
        cases.add(refused(AREA, "creating a site with the name of one's own site is a conflict",
                Request.json("POST", "/sites", token, "{\"name\":\"" + world.site + "\"}"), 409, "name-taken"));

        // Names in paths: every one answers 404 exactly like a missing site, and touches nothing.
        String[][] paths = {
                {"DELETE", "/sites/UPPER", "an upper-case name"},
                {"DELETE", "/sites/www", "a reserved name"},
                {"PUT", "/sites/" + world.victimSite + "/git", "another tenant's site"},
        };
        for (String[] path : paths) {
            String body = path[0].equals("PUT") ? "{\"repositoryUrl\":\"https://github.com/octo/site.git\",\"branch\":\"main\"}" : null;
            cases.add(refused(AREA, path[0] + " on a site path with " + path[2] + " answers 404",
                    Request.json(path[0], path[1], token, body), 404, "not-found"));
        }

        cases.add(refused(AREA, "POST on a site path with a 2,000-character name is refused as too long",
                Request.json("POST", "/sites/" + "a".repeat(2000) + "/stop", token, null), 400, "validation").checking(field("siteName")));

        // Paths the server cannot read unambiguously are refused before any resource is chosen.
        String[][] malformed = {
                {"POST", "/sites/..%2Fadmin/stop", "an encoded parent-directory path"},
                {"DELETE", "/sites/%2e%2e", "encoded dots"},
                {"POST", "/sites/site%00/start", "an encoded NUL"},
                {"DELETE", "/sites/site%0d%0aX-Injected:%201", "an encoded CRLF"},
        };
        for (String[] path : malformed) {
            cases.add(refused(AREA, path[0] + " on a site path with " + path[2] + " is refused as malformed",
                    Request.json(path[0], path[1], token, null), 400, "validation"));
        }

        // A personal access token limited to a badly named site, and tenants named badly at signup.
        for (String[] bad : new String[][] {{"../x", "a parent-directory path"}, {"UPPER", "upper case"}, {"a".repeat(64), "64 characters"}}) {
            cases.add(refused(AREA, "a token limited to a site named with " + bad[1] + " is refused",
                    Request.json("POST", "/tokens", token, "{\"name\":\"ci\",\"scopes\":[\"read\"],\"siteName\":" + quote(bad[0]) + "}"),
                    400, "validation").checking(field("siteName")));
        }
        for (String[] bad : new String[][] {{"Bad_Name", "an underscore and upper case"}, {"-x", "a leading hyphen"},
                {"a".repeat(64), "64 characters"}, {"t\u0000", "a NUL character"}, {"", "an empty name"}}) {
            String email = Tenants.unique("signup") + "@example.com";
            cases.add(refused(AREA, "signing up a tenant named with " + bad[1] + " is refused",
                    Request.json("POST", "/signup", null, "{\"email\":\"" + email + "\",\"password\":\"" + Tenants.PASSWORD
                            + "\",\"tenantName\":" + quote(bad[0]) + "}"), 400, "validation").checking(field("tenantName")));
        }
        return cases;
    }
}
