package dev.berth.api.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.BerthConfiguration;
import dev.berth.api.hosts.HostException;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.TestApp;
import dev.berth.hostprotocol.CertificateState;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /api/v1/sites/{name}/certificate with the fake host (every answer is checked against openapi.yaml). */
@ExtendWith(DropwizardExtensionsSupport.class)
class CertificatesOnH2Test {
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.class,
            ResourceHelpers.resourceFilePath("test.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()));

    private final ApiClient api = new ApiClient(APP.getLocalPort());

    private TestApp app() {
        return APP.getApplication();
    }

    private record Fixture(Session session, String site, UUID siteId) {
    }

    private Fixture site() {
        Session session = Tenants.signUp(api, "crt");
        String site = Tenants.unique("c");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        app().reconciler().runOnce();
        UUID siteId = app().host().specs().values().stream().filter(s -> s.name().equals(site)).findFirst().orElseThrow().siteId();
        return new Fixture(session, site, siteId);
    }

    @Test
    void aSiteOnAHostWithoutHttpsReportsStateNone() {
        Fixture fixture = site();
        ApiClient.Answer answer = api.get("/sites/" + fixture.site() + "/certificate", fixture.session().accessToken());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().path("state").asText()).isEqualTo("none");
        assertThat(answer.json().path("hostnames").get(0).asText()).startsWith(fixture.site() + ".");
    }

    @Test
    void theHostsCertificateStateIsReportedWithIssuerValidityAndLastError() {
        Fixture fixture = site();
        Instant notBefore = Instant.parse("2026-11-01T00:00:00Z");
        app().host().certificate(fixture.siteId(), new CertificateState("platform", List.of("*.sites.test", "sites.test"),
                "failed", "CN=Pebble Intermediate CA", "1a2b", notBefore, notBefore.plusSeconds(90 * 86400L),
                notBefore.plusSeconds(60 * 86400L), "ACME: CA answers 503", null, Instant.parse("2026-12-01T00:05:00Z"), 0, null));
        JsonNode body = api.get("/sites/" + fixture.site() + "/certificate", fixture.session().accessToken()).json();
        assertThat(body.path("state").asText()).isEqualTo("failed");
        assertThat(body.path("issuer").asText()).isEqualTo("CN=Pebble Intermediate CA");
        assertThat(body.path("notAfter").asText()).isEqualTo("2027-01-30T00:00:00Z");
        assertThat(body.path("renewAt").asText()).isEqualTo("2026-12-31T00:00:00Z");
        // The CA's own words are the operator's: the tenant reads a stable fault.
        assertThat(body.path("lastError").asText()).isEqualTo("the certificate could not be obtained; the host tries again");
        assertThat(body.path("lastErrorType").asText()).isEqualTo("https://berth.dev/problems/certificate-failed");
        assertThat(body.toString()).doesNotContain("503");
        assertThat(body.path("domains").toString()).contains("*.sites.test");
    }

    @Test
    void anUnreachableHostIsStateUnknownWithTheReason() {
        Fixture fixture = site();
        app().host().failNext(new HostException("cannot read: hostd unreachable (java.net.ConnectException: /run/berth/hostd.sock)", true));
        JsonNode body = api.get("/sites/" + fixture.site() + "/certificate", fixture.session().accessToken()).json();
        assertThat(body.path("state").asText()).isEqualTo("unknown");
        assertThat(body.path("lastError").asText()).isEqualTo("the host could not be reached; the platform keeps trying");
        assertThat(body.path("lastErrorType").asText()).endsWith("/host-unavailable");
        assertThat(body.toString()).doesNotContain("hostd.sock");
    }

    @Test
    void anotherTenantsSiteIsNotFoundAndNoTokenIsUnauthorized() {
        Fixture fixture = site();
        Session other = Tenants.signUp(api, "crt2");
        assertThat(api.get("/sites/" + fixture.site() + "/certificate", other.accessToken()).status()).isEqualTo(404);
        assertThat(api.get("/sites/" + fixture.site() + "/certificate", null).status()).isEqualTo(401);
        assertThat(api.get("/sites/nosuchsite/certificate", fixture.session().accessToken()).status()).isEqualTo(404);
    }
}
