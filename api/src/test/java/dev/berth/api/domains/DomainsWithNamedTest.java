package dev.berth.api.domains;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.BerthConfiguration;
import dev.berth.api.support.ApiClient;
import dev.berth.api.support.Databases;
import dev.berth.api.support.Tenants;
import dev.berth.api.support.Tenants.Session;
import dev.berth.api.support.TestApp;
import dev.berth.testkit.NamedServer;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * The ownership proof against a real BIND named on loopback (testkit's, zone example.test): the
 * API asks it through its real resolver; the test publishes and withdraws the TXT record with
 * signed RFC 2136 updates, as a domain's owner would in their DNS.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class DomainsWithNamedTest {
    private static final NamedServer NAMED = newNamed();
    static final DropwizardAppExtension<BerthConfiguration> APP = new DropwizardAppExtension<>(TestApp.WithRealDns.class,
            ResourceHelpers.resourceFilePath("test.yml"),
            ConfigOverride.config("database.url", Databases.h2Url()),
            // www.example.test has an A record at 127.0.0.1 in the test zone: the "platform" it must point at.
            ConfigOverride.config("platform.publicAddresses", "127.0.0.1"),
            ConfigOverride.config("domains.nameservers", "127.0.0.1:" + NAMED.port));
    private static final String HOSTNAME = "www." + NamedServer.ZONE;
    private static final String CHALLENGE = "_berth-challenge." + HOSTNAME;

    private static NamedServer newNamed() {
        try {
            return new NamedServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void startNamed() throws Exception {
        boolean required = System.getenv("BERTH_REQUIRE_HOST_TESTS") != null;
        if (!required) {
            assumeTrue(NamedServer.available(), "/usr/sbin/named (bind9) is not installed");
        }
        NAMED.start();
    }

    @AfterAll
    static void stopNamed() throws Exception {
        NAMED.close();
    }

    private static void publish(String value) throws IOException {
        Update update = new Update(Name.fromString(NamedServer.ZONE + "."));
        update.delete(Name.fromString(CHALLENGE + "."), Type.TXT);
        if (value != null) {
            update.add(new TXTRecord(Name.fromString(CHALLENGE + "."), DClass.IN, 60, value));
        }
        SimpleResolver server = new SimpleResolver(NAMED.address());
        server.setTCP(true);
        server.setTSIGKey(new TSIG(TSIG.HMAC_SHA256, NamedServer.KEY_NAME, NAMED.secret));
        Message reply = server.send(update);
        assertThat(Rcode.string(reply.getRcode())).isEqualTo("NOERROR");
    }

    private List<String> servedHostnames(String site) {
        TestApp app = APP.getApplication();
        app.reconciler().runOnce();
        return app.host().specs().values().stream().filter(spec -> spec.name().equals(site)).findFirst().orElseThrow().hostnames();
    }

    @Test
    void theTxtRecordInRealDnsDecidesWhetherTheDomainIsServed() throws Exception {
        ApiClient api = new ApiClient(APP.getLocalPort());
        Session session = Tenants.signUp(api, "named");
        String site = Tenants.unique("n");
        assertThat(api.post("/sites", session.accessToken(), "{\"name\":\"" + site + "\"}").status()).isEqualTo(201);
        String token = api.get("/tenant", session.accessToken()).json().get("domainToken").asText();
        String domains = "/sites/" + site + "/domains";
        String body = "{\"hostname\":\"" + HOSTNAME + "\"}";

        ApiClient.Answer pending = api.post(domains, session.accessToken(), body);
        assertThat(pending.status()).isEqualTo(201);
        assertThat(pending.json().get("status").asText()).isEqualTo("pending");
        assertThat(servedHostnames(site)).doesNotContain(HOSTNAME);

        publish(token);
        ApiClient.Answer verified = api.post(domains, session.accessToken(), body);
        assertThat(verified.json().get("status").asText()).as(verified.toString()).isEqualTo("verified");
        assertThat(servedHostnames(site)).contains(HOSTNAME);

        publish(null);
        Thread.sleep(1100);
        TestApp app = APP.getApplication();
        app.domainService().recheckDue(100);
        ApiClient.Answer after = api.get(domains, session.accessToken());
        assertThat(after.json().get("items").get(0).get("status").asText()).isEqualTo("lost");
        assertThat(after.json().get("items").get(0).get("reason").asText()).contains("no TXT record " + CHALLENGE);
        assertThat(servedHostnames(site)).doesNotContain(HOSTNAME);
    }
}
