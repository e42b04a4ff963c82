package dev.berth.hostd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.tls.AcmeChallenges;
import dev.berth.hostd.tls.AcmeResource;
import dev.berth.hostd.tls.Issuer;
import dev.berth.hostd.tls.Orders;
import dev.berth.hostprotocol.PendingOrder;
import dev.berth.hostprotocol.WireSamples;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** hostd's ACME endpoints read and answer the shared records (host-protocol's goldens). */
@ExtendWith(DropwizardExtensionsSupport.class)
class AcmeWireContractTest {
    private static final ObjectMapper MAPPER = WireSamples.mapper();
    private final Path challengeDirectory = directory();
    private final List<List<String>> ordered = new ArrayList<>();
    private final Orders orders = new Orders() {
        @Override
        public PendingOrder begin(List<String> domains) {
            ordered.add(domains);
            return WireSamples.PENDING_ORDER;
        }

        // Finishing parses a CA-issued chain and asks the CA for its renewal window: no golden stands in for
        // that. TwoNodesTlsEndToEndIT finishes real orders with Pebble; no test here calls this.
        @Override
        public Issuer.Issued finish(String orderId) {
            throw new AssertionError("finish(" + orderId + ") is covered with a real CA, not by this test");
        }

        @Override
        public void revoke(Issuer.Issued certificate) {
            revoked.add(certificate);
        }
    };
    private final List<Issuer.Issued> revoked = new ArrayList<>();
    private final ResourceExtension resources = SitesResourceTest.withProblems(MAPPER)
            .addResource(new AcmeResource(new dev.berth.hostd.tls.Certificates(List.of(), null, List::of, false), orders, null,
                    new AcmeChallenges(challengeDirectory)))
            .build();

    private static Path directory() {
        try {
            return Files.createTempDirectory("acme-challenges");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void anOrderReadsTheGoldenOrderAndAnswersTheGoldenPendingOrder() throws Exception {
        Response answer = resources.target("/v1/acme/orders").request()
                .post(Entity.entity(WireSamples.golden("certificate-order"), MediaType.APPLICATION_JSON));
        assertThat(answer.getStatus()).isEqualTo(200);
        assertThat(MAPPER.readValue(answer.readEntity(String.class), PendingOrder.class)).isEqualTo(WireSamples.PENDING_ORDER);
        assertThat(ordered).containsExactly(WireSamples.CERTIFICATE_ORDER.domains());
    }

    @Test
    void theCertificatesWantedFromTheApiAreAListOfCertificateStates() throws Exception {
        Response answer = resources.target("/v1/acme/certificates").request().get();
        assertThat(answer.getStatus()).isEqualTo(200);
        assertThat(MAPPER.readValue(answer.readEntity(String.class),
                new com.fasterxml.jackson.core.type.TypeReference<List<dev.berth.hostprotocol.CertificateState>>() { })).isEmpty();
    }

    @Test
    void aNodeObtainingItsOwnCertificatesWantsNothingFromTheApiAndTakesNoOrder() {
        AcmeResource local = new AcmeResource(new dev.berth.hostd.tls.Certificates(List.of()), orders, null,
                new AcmeChallenges(challengeDirectory));
        assertThat(local.wanted()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> local.begin(WireSamples.CERTIFICATE_ORDER))
                .isInstanceOf(jakarta.ws.rs.NotFoundException.class);
        assertThat(ordered).isEmpty();
    }

    @Test
    void aRevocationReadsTheGoldenBundle() {
        Response answer = resources.target("/v1/acme/revocations").request()
                .post(Entity.entity(WireSamples.golden("certificate-bundle"), MediaType.APPLICATION_JSON));
        assertThat(answer.getStatus()).isEqualTo(204);
        assertThat(revoked).containsExactly(new Issuer.Issued(WireSamples.CERTIFICATE_BUNDLE.chainPem(),
                WireSamples.CERTIFICATE_BUNDLE.privateKeyPem()));
    }

    @Test
    void anotherNodesHttp01AnswerIsServedFromTheChallengeDirectoryUntilDropped() throws Exception {
        String token = WireSamples.ACME_CHALLENGE.token();
        Response put = resources.target("/v1/acme/challenges/" + token).request()
                .put(Entity.entity(WireSamples.golden("acme-challenge"), MediaType.APPLICATION_JSON));
        assertThat(put.getStatus()).isEqualTo(204);
        assertThat(Files.readString(challengeDirectory.resolve(token))).isEqualTo(WireSamples.ACME_CHALLENGE.keyAuthorization());

        Response delete = resources.target("/v1/acme/challenges/" + token).request().delete();
        assertThat(delete.getStatus()).isEqualTo(204);
        assertThat(challengeDirectory.resolve(token)).doesNotExist();
    }

    @Test
    void aTokenOrAnswerThatIsNotBase64urlNeverReachesTheDirectory() {
        String hostile = WireSamples.golden("acme-challenge").replace(".9jg46", "/../../etc/9jg46");
        Response refused = resources.target("/v1/acme/challenges/" + WireSamples.ACME_CHALLENGE.token()).request()
                .put(Entity.entity(hostile, MediaType.APPLICATION_JSON));
        assertThat(refused.getStatus()).isEqualTo(400);
        Response badToken = resources.target("/v1/acme/challenges/..%2F..%2Fetc").request().delete();
        assertThat(badToken.getStatus()).isIn(400, 404);
        assertThat(challengeDirectory.toFile().list()).isEmpty();
    }
}
