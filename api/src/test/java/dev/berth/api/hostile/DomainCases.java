package dev.berth.api.hostile;

import static dev.berth.api.hostile.HostileCase.quote;
import static dev.berth.api.hostile.HostileCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.hostile.HostileCase.Allowed;
import dev.berth.api.hostile.HostileCase.Request;
import dev.berth.api.support.Tenants;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Custom domains that must not be served: names that are no host names or belong to the platform,
 * bodies that try to set a domain's state, and claims on a domain whose DNS does not prove the
 * claiming tenant (no TXT record, another tenant's token, the token bent out of shape, a domain
 * its holder still proves). An unproven claim may be recorded as pending, but never enters a spec.
 */
final class DomainCases {
    static final String AREA = "custom domains";

    private DomainCases() {
    }

    static List<HostileCase> cases(World world) {
        List<HostileCase> cases = new ArrayList<>();
        String token = world.owner.accessToken();
        String domains = "/sites/" + world.site + "/domains";

        String[][] names = {
                {"", "an empty name"},
                {"nodots", "a single label"},
                {"-a.example.org", "a label starting with a hyphen"},
                {"a-.example.org", "a label ending with a hyphen"},
                {"a..example.org", "an empty label"},
                {".example.org", "a leading dot"},
                {"example.org..", "two trailing dots"},
                {"_berth-challenge.example.org", "the challenge record's own name"},
                {"*.example.org", "a wildcard"},
                {"exa mple.org", "a space"},
                {"ex\u00e4mple.org", "a non-ASCII letter (not in punycode)"},
                {"127.0.0.1", "an IPv4 address"},
                {"[::1]", "an IPv6 address"},
                {"1.2.3.4.5", "a numeric last label"},
                {"example.org:443", "a port"},
                {"http://example.org", "a URL"},
                {"example.org/admin", "a path"},
                {"a".repeat(64) + ".example.org", "a 64-character label"},
                {("a".repeat(60) + ".").repeat(5) + "org", "more than 253 characters"},
                {"example.org\r\nX-Injected: 1", "a CRLF"},
                {"example.org\u0000.evil.test", "a NUL"},
                {"berth.test", "the platform's own domain"},
                {"admin.berth.test", "a name under the platform's domain"},
                {"ADMIN.Berth.Test.", "a name under the platform's domain, in capitals with the root dot"},
                {"localhost", "localhost"},
        };
        for (String[] name : names) {
            cases.add(refused(AREA, "adding the domain " + quote(name[0]) + " (" + name[1] + ") is refused", Request.json("POST", domains, token,
                    "{\"hostname\":" + quote(name[0]) + "}"), 400, "validation"));
        }

        String[][] bodies = {
                {"{\"hostname\":\"self.example.org\",\"status\":\"verified\"}", "a body that declares the domain verified"},
                {"{\"hostname\":\"self.example.org\",\"verification\":{\"value\":\"x\"}}", "a body that brings its own proof"},
                {"{\"hostname\":\"self.example.org\",\"tenantId\":\"" + world.victim.tenantId() + "\"}", "a body naming another tenant"},
                {"{\"hostname\":[\"self.example.org\"]}", "a hostname that is an array"},
                {"{\"hostname\":null}", "a null hostname"},
                {"{}", "no hostname"},
        };
        for (String[] body : bodies) {
            cases.add(refused(AREA, "adding a domain with " + body[1] + " is refused", Request.json("POST", domains, token, body[0]),
                    400, "validation"));
        }

        // The victim's proven domain: an attacker cannot take it, not even by publishing its own token next to the victim's.
        String victimDomain = world.victimDomain;
        String challenge = "_berth-challenge." + victimDomain;
        cases.add(refused(AREA, "claiming another tenant's proven domain without proof is refused", null, 409, "domain-taken")
                .preparedBy(() -> {
                    world.app.resolver().text(challenge, world.victimDomainToken);
                    return Request.json("POST", domains, token, "{\"hostname\":\"" + victimDomain + "\"}");
                }));
        cases.add(refused(AREA, "claiming another tenant's domain while its DNS still proves that tenant is refused", null, 409,
                "domain-taken")
                .preparedBy(() -> {
                    world.app.resolver().text(challenge, world.victimDomainToken, world.ownerDomainToken);
                    return Request.json("POST", domains, token, "{\"hostname\":\"" + victimDomain.toUpperCase(Locale.ROOT) + ".\"}");
                })
                .checking(answer -> world.app.resolver().text(challenge, world.victimDomainToken)));
        cases.add(refused(AREA, "removing another tenant's domain through one's own site answers 404",
                Request.json("DELETE", domains + "/" + victimDomain, token, null), 404, "not-found"));
        cases.add(refused(AREA, "removing another tenant's domain through its site answers 404",
                Request.json("DELETE", "/sites/" + world.victimSite + "/domains/" + victimDomain, token, null), 404, "not-found"));
        cases.add(refused(AREA, "removing a domain named by 300 characters is refused",
                Request.json("DELETE", domains + "/" + "a".repeat(300), token, null), 400, "validation"));

        // Proofs that prove nothing: the domain is recorded pending and never served.
        String[][] proofs = {
                {"", "no TXT record at all"},
                {"VICTIM", "the other tenant's token"},
                {"UPPER", "the tenant's token in capitals"},
                {"SPACED", "the tenant's token with spaces around it"},
                {"PREFIX", "the tenant's token with a prefix"},
                {"CUT", "the tenant's token cut short"},
        };
        for (String[] proof : proofs) {
            String hostname = Tenants.unique("try") + ".example.org";
            cases.add(new HostileCase(AREA, "a domain whose TXT record holds " + proof[1] + " stays pending and is not served", () -> {
                String owned = world.ownerDomainToken;
                String value = switch (proof[0]) {
                    case "VICTIM" -> world.victimDomainToken;
                    case "UPPER" -> owned.toUpperCase(Locale.ROOT);
                    case "SPACED" -> " " + owned + " ";
                    case "PREFIX" -> "x" + owned;
                    case "CUT" -> owned.substring(0, owned.length() - 1);
                    default -> null;
                };
                if (value == null) {
                    world.app.resolver().text("_berth-challenge." + hostname);
                } else {
                    world.app.resolver().text("_berth-challenge." + hostname, value);
                }
                return Request.json("POST", domains, token, "{\"hostname\":\"" + hostname + "\"}");
            }, 201, null, java.util.Set.of(Allowed.PENDING_DOMAIN), answer -> {
                assertThat(answer.json().get("status").asText()).as(answer.toString()).isEqualTo("pending");
                assertThat(answer.json().get("reason").asText()).contains("_berth-challenge." + hostname);
            }));
        }
        return cases;
    }
}
