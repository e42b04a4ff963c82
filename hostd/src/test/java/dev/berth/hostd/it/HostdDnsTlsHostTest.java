package dev.berth.hostd.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.hostd.tls.HttpsHostTestAccess;
import dev.berth.testkit.NamedServer;
import dev.berth.testkit.PebbleServer;
import dev.berth.testkit.SiteHttp;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * hostd as its own process with dns.provider rfc2136 and tls enabled, against a real named and
 * Debian's Pebble on loopback: a PUT site answers in DNS right away, the platform wildcard is issued
 * on start and both sites answer over HTTPS from their containers; the state is in GET /v1/host and
 * GET /v1/sites/{id}/certificate; one site's custom domain gets its own certificate through HTTP-01;
 * DELETE removes the records and revokes at Pebble what was only the deleted site's.
 */
@Tag("host")
class HostdDnsTlsHostTest {
    /** A tenant's own domain in testkit's zone custom.test, pointing at 127.0.0.1. */
    private static final String CUSTOM = "www." + NamedServer.CUSTOM_ZONE;
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @Test
    void sitesGetRecordsAndHttpsThroughHostdAndDeleteRemovesRecordsAndRevokesTheirOwnCertificate() throws Exception {
        boolean ready = "root".equals(System.getProperty("user.name")) && NamedServer.available() && PebbleServer.available();
        for (String tool : List.of("/usr/sbin/runc", "/usr/sbin/nginx", "/usr/lib/cni/bridge", "/usr/sbin/lighttpd", "/usr/sbin/nft")) {
            ready &= Files.isExecutable(Path.of(tool));
        }
        if (System.getenv("BERTH_REQUIRE_HOST_TESTS") == null) {
            assumeTrue(ready, "root, runc, CNI, nginx, lighttpd, nft, bind9 and pebble are needed");
        }
        int httpsPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            httpsPort = probe.getLocalPort();
        }
        try (NamedServer named = new NamedServer()) {
            named.start();
            TestHost host = TestHost.create();
            try (PebbleServer pebble = new PebbleServer(named.address(), host.proxyPort, Map.of())) {
                host.extraConfig = """
                        dns:
                          provider: rfc2136
                          server: "127.0.0.1:%d"
                          zone: example.test
                          keyName: %s
                          keySecret: "%s"
                          publicAddresses: ["127.0.0.1", "::1"]
                        tls:
                          enabled: true
                          issuance: local
                          directoryUrl: "%s"
                          trustedCaFile: "%s"
                          listen: ["127.0.0.1:%d"]
                          firstRetryDelaySeconds: 1
                        """.formatted(named.port, NamedServer.KEY_NAME, named.secret, pebble.directoryUrl(), pebble.tlsCaPem,
                        httpsPort);
                host.start();
                List<UUID> ids = new ArrayList<>();
                List<Long> publishMillis = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    UUID id = UUID.randomUUID();
                    ids.add(id);
                    String name = host.prefix + "-s" + i;
                    long start = System.nanoTime();
                    SiteHttp.Response put = host.hostd("PUT", "/v1/sites/" + id, """
                            {"siteId":"%s","name":"%s","tenantId":"%s","hostnames":["%s.example.test"%s],"ipv4":"%s","ipv6":"%s",
                             "siteLimits":{"cpuMillicores":500,"memoryMib":32,"pids":32},
                             "tenantLimits":{"cpuMillicores":1000,"memoryMib":128,"pids":128},
                             "running":true,"release":null,"generation":1}
                            """.formatted(id, name, UUID.randomUUID(), name, i == 0 ? ",\"" + CUSTOM + "\"" : "", host.ipv4(30 + i),
                            host.ipv6(30 + i)));
                    assertThat(put.status()).as(put.text()).isIn(200, 202);
                    host.await("A record of " + name, AWAIT, () -> !named.answers(name + ".example.test", Type.A).isEmpty());
                    publishMillis.add((System.nanoTime() - start) / 1_000_000);
                    assertThat(named.answers(name + ".example.test", Type.AAAA)).containsExactly("0:0:0:0:0:0:0:1");
                }
                System.out.println("hostd PUT -> A record answering (ms): " + publishMillis);

                String rootPem = pebble.issuingRootPem();
                SSLContext trust = HttpsHostTestAccess.trusting(rootPem);
                host.await("HTTPS on " + httpsPort, AWAIT, () -> HttpsHostTestAccess.status(trust, host.prefix + "-s0.example.test",
                        httpsPort, "/") == 200);
                // An unknown name (or none) gets neither a tenant's certificate nor content.
                HttpsHostTestAccess.assertRefusedWithoutACertificate(httpsPort, "unknown-" + host.prefix + ".test");
                HttpsHostTestAccess.assertRefusedWithoutACertificate(httpsPort, null);
                for (int i = 0; i < 2; i++) {
                    String hostname = host.prefix + "-s" + i + ".example.test";
                    host.await("HTTPS for " + hostname, AWAIT, () -> HttpsHostTestAccess.status(trust, hostname, httpsPort, "/") == 200);
                    String page = HttpsHostTestAccess.text(trust, hostname, httpsPort, "/");
                    // HSTS is on by default with HTTPS (the configuration sets no max-age): one year.
                    assertThat(page).containsIgnoringCase("strict-transport-security: max-age=31536000");
                    // HTTPS answering proves a new worker has the certificate; an old one may still take
                    // plain HTTP for ~100 ms of the reload (docs/security.md): wait until 20 requests
                    // in a row are redirected.
                    host.await("HTTP -> HTTPS redirect for " + hostname, AWAIT, () -> {
                        for (int request = 0; request < 20; request++) {
                            if (host.proxy(hostname, "/x").status() != 301) {
                                return false;
                            }
                        }
                        return true;
                    });
                }

                JsonNode hostJson = host.hostdJson("GET", "/v1/host", null);
                JsonNode certificate = hostJson.path("certificates").get(0);
                assertThat(certificate.path("state").asText()).isEqualTo("active");
                assertThat(certificate.path("issuer").asText()).contains("Pebble");
                assertThat(certificate.path("domains").toString()).contains("*.example.test");
                JsonNode forSite = host.hostdJson("GET", "/v1/sites/" + ids.get(0) + "/certificate", null);
                assertThat(forSite.get(0).path("name").asText()).isEqualTo("platform");
                assertThat(forSite.get(0).has("notAfter")).isTrue();

                // Site 0's own domain gets its own certificate through HTTP-01 (Pebble -> hostd's nginx on port 80).
                String[] customSerial = new String[1];
                host.await("certificate of " + CUSTOM, AWAIT, () -> {
                    for (JsonNode status : host.hostdJson("GET", "/v1/certificates", null)) {
                        if (status.path("name").asText().equals("custom." + CUSTOM) && status.path("state").asText().equals("active")) {
                            customSerial[0] = status.path("serialNumber").asText();
                            return true;
                        }
                    }
                    return false;
                });
                String platformSerial = certificate.path("serialNumber").asText();
                assertThat(pebble.certificateStatus(customSerial[0])).isEqualTo("Valid");

                for (int i = 0; i < 2; i++) {
                    String name = host.prefix + "-s" + i;
                    SiteHttp.Response deleted = host.hostd("DELETE", "/v1/sites/" + ids.get(i), null);
                    assertThat(deleted.status()).isIn(202, 204);
                    host.await("records of " + name + " gone", AWAIT, () -> named.answers(name + ".example.test", Type.A).isEmpty()
                            && named.answers(name + ".example.test", Type.AAAA).isEmpty());
                    if (i == 0) {
                        // What was only site 0's is revoked at the CA; the wildcard the other site still uses is not.
                        host.await("revocation of " + CUSTOM, AWAIT, () -> pebble.certificateStatus(customSerial[0]).equals("Revoked"));
                        assertThat(host.hostdJson("GET", "/v1/certificates", null).toString()).doesNotContain("custom." + CUSTOM);
                        assertThat(pebble.certificateStatus(platformSerial)).isEqualTo("Valid");
                    }
                }
            } finally {
                host.destroy();
            }
        }
    }
}
