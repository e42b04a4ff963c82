package dev.berth.api.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SiteNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "blog", "my-site", "a1", "0", "x23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsDnsLabels(String name) {
        assertThat(new SiteName(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", "a-", "A", "a_b", "a.b", "a b", "caf\u00e9", "xn--nxasmq6b", "ab--cd",
            "x234567890123456789012345678901234567890123456789012345678901234", "a\nb", "a\u0000"})
    void refusesAnythingElseStatingTheRule(String name) {
        assertThatThrownBy(() -> new SiteName(name)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("site name");
    }
}
