package dev.berth.hostd.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.hostd.HostdConfiguration;
import dev.berth.hostd.server.MutualTlsConnectorFactory;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeJoinTest {

    private static HostdConfiguration configuration(boolean mutualTls, String... publicAddresses) {
        HostdConfiguration configuration = new HostdConfiguration();
        DefaultServerFactory server = new DefaultServerFactory();
        MutualTlsConnectorFactory tls = new MutualTlsConnectorFactory();
        tls.setPort(9443);
        server.setApplicationConnectors(mutualTls ? List.of(new HttpConnectorFactory(), tls) : List.of(new HttpConnectorFactory()));
        configuration.setServerFactory(server);
        configuration.dns.publicAddresses = List.of(publicAddresses);
        return configuration;
    }

    @Test
    void theJoinCarriesTheAddressesTheNodePublishesItsSitesAt() {
        NodeJoin join = NodeJoin.of(configuration(true, "2001:db8::5", "192.0.2.5", "192.0.2.6"), "https://api.example.net",
                "node2", "https://node2.example.net:9443", 2000);

        assertThat(join.apiJoinUrl()).isEqualTo(URI.create("https://api.example.net/api/v1/nodes/join"));
        assertThat(join.body("t0ken")).isEqualTo(Map.of("token", "t0ken", "name", "node2", "url", "https://node2.example.net:9443",
                "publicIpv4", "192.0.2.5", "publicIpv6", "2001:db8:0:0:0:0:0:5", "capacitySites", 2000));
    }

    @Test
    void anApiUrlEndingInTheVersionIsNotExtendedTwice() {
        assertThat(NodeJoin.joinEndpoint("http://127.0.0.1:8080/api/v1/")).isEqualTo(URI.create("http://127.0.0.1:8080/api/v1/nodes/join"));
        assertThat(NodeJoin.joinEndpoint("http://127.0.0.1:8080")).isEqualTo(URI.create("http://127.0.0.1:8080/api/v1/nodes/join"));
    }

    @Test
    void aNodeWithoutAMutualTlsConnectorOnTheUrlsPortCannotJoin() {
        assertThatThrownBy(() -> NodeJoin.of(configuration(false, "192.0.2.5"), "https://api.example.net", "node2",
                "https://node2.example.net:9443", 10))
                .hasMessageContaining("no mutual-tls connector");
        assertThatThrownBy(() -> NodeJoin.of(configuration(true, "192.0.2.5"), "https://api.example.net", "node2",
                "https://node2.example.net:8443", 10))
                .hasMessageContaining("--url names port 8443 but the mutual-TLS connector of the configuration listens on 9443");
        assertThatThrownBy(() -> NodeJoin.of(configuration(true, "192.0.2.5"), "https://api.example.net", "node2",
                "http://node2.example.net:9443", 10))
                .hasMessageContaining("--url must be https://HOST:PORT");
        assertThatThrownBy(() -> NodeJoin.of(configuration(true, "192.0.2.5"), "https://api.example.net", "Node_2",
                "https://node2.example.net:9443", 10))
                .hasMessageContaining("the node name must be a DNS label");
    }

    @Test
    void aRefusalSaysTheProblemsTypeAndDetail() {
        assertThat(JoinCommand.problem("{\"type\":\"https://berth.dev/problems/node-unreachable\",\"title\":\"Node unreachable\","
                + "\"status\":422,\"detail\":\"connection refused\"}", new ObjectMapper()))
                .isEqualTo("node-unreachable: connection refused");
        assertThat(JoinCommand.problem("<html>bad gateway</html>", new ObjectMapper())).isEqualTo("<html>bad gateway</html>");
    }
}
