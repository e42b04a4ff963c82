package dev.berth.hostprotocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.berth.hostprotocol.net.BridgePlan;
import dev.berth.hostprotocol.net.Subnet4;
import dev.berth.hostprotocol.net.Subnet6;
import io.dropwizard.jackson.Jackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One value of every wire record and its golden JSON ({@code golden/NAME.json} in this module's test
 * jar), shared with hostd's and the API's contract tests, so all three read the same files.
 */
public final class WireSamples {
    public static final UUID SITE = UUID.fromString("6f1c2a3e-0b1d-4c5e-9f00-1a2b3c4d5e6f");
    public static final UUID TENANT = UUID.fromString("0e9d8c7b-6a59-4483-b2a1-0f1e2d3c4b5a");
    public static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    public static final SiteSpec SITE_SPEC = new SiteSpec(SITE, "alpha", TENANT, List.of("alpha.berth.localhost", "www.alpha.test"),
            "10.1.1.7", "fd42:b3f1:7a00:1::7", new ResourceLimits(250, 64, 64), new ResourceLimits(1000, 512, 256), true, "r-0003", 4, false,
            new SiteProtection("pbkdf2-sha256:10000:000102030405060708090a0b0c0d0e0f:"
                    + "8d3c2a1b0f9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a392817f6e5d4", "/staging",
                    List.of("192.0.2.0/24", "2001:db8::/32")), new SiteServing(true, false));

    public static final SiteObservation SITE_OBSERVATION = new SiteObservation(SITE, "alpha", SiteObservation.State.FAILED, 4, 3,
            "content: release r-0003 is not installed; proxy: nginx -t failed",
            Map.of(SitePart.PROXY, "nginx -t failed", SitePart.CONTENT, "release r-0003 is not installed"),
            9_437_184, 1_250_000_000L, 3, "10.1.1.7", "fd42:b3f1:7a00:1::7", "r-0003", 2, "exit 137", T0, 1_048_576);

    public static final CertificateState CERTIFICATE_STATE = new CertificateState("wildcard", List.of("*.berth.test", "berth.test"),
            "active", "CN=Pebble Intermediate CA 5a1b2c", "4c0ffee", T0.minusSeconds(86_400), T0.plusSeconds(89 * 86_400L),
            T0.plusSeconds(59 * 86_400L), null, T0.minusSeconds(86_400), null, 0, "v-0002");

    public static final AcmeChallenge ACME_CHALLENGE = new AcmeChallenge("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
            "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI");

    public static final CertificateOrder CERTIFICATE_ORDER = new CertificateOrder(List.of("www.alpha.test"));

    public static final PendingOrder PENDING_ORDER = new PendingOrder("o-7f3a9c", List.of(ACME_CHALLENGE));

    /** Not a real certificate or key: the wire carries PEM text and checks nothing. */
    public static final CertificateBundle CERTIFICATE_BUNDLE = new CertificateBundle(List.of("www.alpha.test"),
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n", T0.plusSeconds(59 * 86_400L));

    public static final HostReport HOST_REPORT = new HostReport(2, 4_100_000_000L, 2_900_000_000L, 3, 2, 1, "runc version 1.1.5",
            "nginx/1.22.1", "v2", "berth0", "0", "0", true, true, List.of(CERTIFICATE_STATE),
            BridgePlan.of("berth0", Subnet4.parse("10.1.0.254/23"), Subnet6.parse("fd42:b3f1:7a00:1::1fe/64"), 24).toNetworkPlan(),
            new WarmPoolState(4, 3, null));

    public static final AccessLogPage ACCESS_LOG_PAGE = new AccessLogPage(SITE, List.of(
            new AccessLogEntry("2026-12-05T10:00:02+00:00", "alpha.berth.localhost", "192.0.2.10", "GET", "/index.html", 200, 1027,
                    0.001, "curl/7.88.1"),
            new AccessLogEntry("2026-12-05T10:00:01+00:00", "alpha.berth.localhost", "2001:db8::10", "HEAD", "/missing", 404, 0,
                    0.0, null)));

    public static final List<RequestCounter> REQUEST_COUNTERS = List.of(new RequestCounter(SITE, 1234),
            new RequestCounter(UUID.fromString("7a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"), 0));

    public static final ReleaseInstalled RELEASE_INSTALLED = new ReleaseInstalled(SITE, "r-0003", true);

    public static final RemovalPending REMOVAL_PENDING = new RemovalPending(SITE, "removal continues in the background");

    public static final Problem PROBLEM = Problem.of(ProblemType.INVALID_SPEC, 422, "Invalid request", "the spec breaks 2 rules",
            List.of("ipv4 10.1.1.254 must be a host address of 10.1.1.254/24 other than the bridge's", "name must be a DNS label"));

    public static final Problem HTTP_PROBLEM = new Problem(ProblemType.ofHttpStatus(405), "Method Not Allowed", 405,
            "HTTP 405 Method Not Allowed", List.of());

    /** Every sample by its golden file's name. */
    public static final Map<String, Object> ALL;

    static {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("site-spec", SITE_SPEC);
        all.put("site-observation", SITE_OBSERVATION);
        all.put("certificate-state", CERTIFICATE_STATE);
        all.put("host-report", HOST_REPORT);
        all.put("acme-challenge", ACME_CHALLENGE);
        all.put("certificate-order", CERTIFICATE_ORDER);
        all.put("pending-order", PENDING_ORDER);
        all.put("certificate-bundle", CERTIFICATE_BUNDLE);
        all.put("access-log-page", ACCESS_LOG_PAGE);
        all.put("request-counters", REQUEST_COUNTERS);
        all.put("release-installed", RELEASE_INSTALLED);
        all.put("removal-pending", REMOVAL_PENDING);
        all.put("problem", PROBLEM);
        all.put("http-problem", HTTP_PROBLEM);
        ALL = Map.copyOf(all);
    }

    private WireSamples() {
    }

    /**
     * The mapper hostd and the API both use (Dropwizard's, refusing unknown fields), writing the
     * goldens' layout.
     */
    public static ObjectMapper mapper() {
        return Jackson.newObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** The text of {@code golden/NAME.json}. */
    public static String golden(String name) {
        try (InputStream in = WireSamples.class.getResourceAsStream("/golden/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no golden file " + name + ".json");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
