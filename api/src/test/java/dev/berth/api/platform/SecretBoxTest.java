package dev.berth.api.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
    private static byte[] key(char fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return key;
    }

    @Test
    void aSealedSecretOpensForItsContextOnlyAndNeverReadsAsPlainText() {
        SecretBox box = new SecretBox(Map.of("a", key('a')), "a");
        byte[] secret = "the shared secret".getBytes(StandardCharsets.UTF_8);

        String sealed = box.seal(secret, "user-1");

        assertThat(sealed).startsWith("a:").doesNotContain("shared");
        assertThat(box.seal(secret, "user-1")).as("a new nonce each time").isNotEqualTo(sealed);
        assertThat(box.open(sealed, "user-1")).isEqualTo(secret);
        assertThatThrownBy(() -> box.open(sealed, "user-2")).isInstanceOf(IllegalStateException.class);
        String altered = sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("AA") ? "BB" : "AA");
        assertThatThrownBy(() -> box.open(altered, "user-1")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void afterARotationOldSecretsOpenUnderTheKeyTheyNameAndNewOnesUseTheActiveKey() {
        byte[] secret = {1, 2, 3};
        String old = new SecretBox(Map.of("a", key('a')), "a").seal(secret, "u");
        Map<String, byte[]> both = new LinkedHashMap<>();
        both.put("a", key('a'));
        both.put("b", key('b'));
        SecretBox rotated = new SecretBox(both, "b");

        assertThat(rotated.open(old, "u")).isEqualTo(secret);
        assertThat(rotated.seal(secret, "u")).startsWith("b:");
        assertThatThrownBy(() -> new SecretBox(Map.of("b", key('b')), "b").open(old, "u"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not configured");
    }

    @Test
    void keysMustBe32BytesAndTheActiveOneKnown() {
        assertThatThrownBy(() -> new SecretBox(Map.of("a", new byte[16]), "a")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new SecretBox(Map.of("a", key('a')), "b")).hasMessageContaining("not among");
        assertThatThrownBy(() -> new SecretBox(Map.of("a:b", key('a')), "a:b")).hasMessageContaining("key id");
    }
}
