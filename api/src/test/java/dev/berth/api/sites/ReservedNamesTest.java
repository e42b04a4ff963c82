package dev.berth.api.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.platform.ProblemException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReservedNamesTest {
    private final ReservedNames defaults = new ReservedNames(ReservedNames.DEFAULTS, "sites.example.net", "https://berth.example.com");

    @ParameterizedTest
    @ValueSource(strings = {"www", "api", "app", "admin", "portal", "mail", "ns1", "ns2", "localhost", "hooks", "status"})
    void theNamesAnOperatorUsesAreReservedByDefault(String name) {
        assertThatThrownBy(() -> defaults.parseNew("name", name))
                .isInstanceOfSatisfying(ProblemException.class, refused -> assertThat(refused.getMessage()).contains("reserved"));
    }

    @Test
    void theListIsConfigurableAndThePortalsOwnHostLabelIsAlwaysReserved() {
        ReservedNames configured = new ReservedNames(List.of("Shop", "intranet"), "example.net", "https://console-7.example.net:8443/");
        assertThat(configured.names()).containsExactly("console-7", "intranet", "shop");
        assertThatThrownBy(() -> configured.parseNew("name", "console-7")).hasMessageContaining("reserved");
        assertThat(configured.parseNew("name", "www").value()).as("not configured: the operator chose").isEqualTo("www");
        // A portal outside the platform domain reserves nothing under it.
        assertThat(new ReservedNames(List.of(), "example.net", "http://localhost:8080").names()).isEmpty();
    }

    @Test
    void namesThatAreNoLabelsAreRefusedForThatFirst() {
        assertThatThrownBy(() -> defaults.parseNew("name", "-x")).hasMessageContaining("DNS label");
    }
}
