package dev.berth.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigStoreTest {
    @TempDir
    Path home;

    @Test
    void aRelativeXdgConfigHomeIsIgnoredAsTheSpecificationSays() {
        assertThat(ConfigStore.forEnvironment(Map.of("XDG_CONFIG_HOME", "relative", "HOME", home.toString())).file())
                .isEqualTo(home.resolve(".config/berth/config.json"));
        assertThat(ConfigStore.forEnvironment(Map.of("XDG_CONFIG_HOME", home.resolve("x").toString(), "HOME", "/nowhere")).file())
                .isEqualTo(home.resolve("x/berth/config.json"));
    }

    @Test
    void savingReplacesTheFileAndTightensALoosenedOne() throws Exception {
        ConfigStore store = new ConfigStore(home.resolve("berth"));
        store.save(new Credentials("http://a", "t1", null));
        Files.setPosixFilePermissions(store.file(), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(store.readableByOthers()).isTrue();
        store.save(new Credentials("http://b", "t2", "b@example.com"));
        assertThat(store.readableByOthers()).isFalse();
        assertThat(store.load()).contains(new Credentials("http://b", "t2", "b@example.com"));
        try (var files = Files.list(store.file().getParent())) {
            assertThat(files).containsExactly(store.file());
        }
    }

    @Test
    void credentialsNeverPrintTheirToken() {
        assertThat(new Credentials("http://a", "berth_pat_secret", null).toString()).doesNotContain("secret");
        assertThatThrownBy(() -> new Credentials("http://a", " ", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
