package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.platform.IpAddresses;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The configurations the project ships never let a client choose the address it is counted under. */
class ShippedConfigurationsTest {
    static Stream<Path> shippedConfigurations() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("..", "config"))) {
            List<Path> yaml = files.filter(file -> file.toString().endsWith(".yml")).sorted().toList();
            assertThat(yaml).isNotEmpty();
            return yaml.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedConfigurations")
    void noConnectorBelievesForwardedHeadersAndOnlyLoopbackProxiesAreTrusted(Path file) throws Exception {
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        for (String connectors : List.of("applicationConnectors", "adminConnectors")) {
            for (JsonNode connector : config.path("server").path(connectors)) {
                assertThat(connector.path("useForwardedHeaders").asBoolean(false)).as(file + " " + connectors).isFalse();
                assertThat(connector.path("useProxyProtocol").asBoolean(false)).as(file + " " + connectors).isFalse();
            }
        }
        for (JsonNode proxy : config.path("platform").path("trustedProxies")) {
            IpAddresses.Cidr block = IpAddresses.Cidr.parse(proxy.asText());
            InetAddress network = InetAddress.getByAddress(block.network());
            assertThat(network.isLoopbackAddress()).as(file + ": trusted proxy " + proxy.asText() + " must be this host").isTrue();
        }
    }

    @Test
    void aConfigurationAskingJettyToBelieveForwardedHeadersIsRefusedAtStartUp() {
        BerthConfiguration config = new BerthConfiguration();
        HttpConnectorFactory connector = new HttpConnectorFactory();
        connector.setUseForwardedHeaders(true);
        ((DefaultServerFactory) config.getServerFactory()).setApplicationConnectors(List.of(connector));
        assertThatThrownBy(() -> BerthApplication.refuseForwardedHeadersOnConnectors(config))
                .hasMessageContaining("platform.trustedProxies");
    }
}
