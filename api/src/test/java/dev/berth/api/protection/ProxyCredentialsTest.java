package dev.berth.api.protection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.platform.ProblemException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyCredentialsTest {
    private static final byte[] SALT = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    @Test
    void theVerifierIsPbkdf2HmacSha256OfTheUserPassAsUtf8() {
        // Expected values from Python's hashlib.pbkdf2_hmac (OpenSSL), the function nginx calls.
        assertThat(ProxyCredentials.of("ada", "correct horse battery", SALT, 1000)).isEqualTo(
                "pbkdf2-sha256:1000:000102030405060708090a0b0c0d0e0f:e7c359d950468c8949a4047ece821a17bf8d01db2ee705b547d6e4ba69b8ee21");
        assertThat(ProxyCredentials.of("zoë", "pässwörd ☃ x", SALT, 1000)).endsWith(
                ":b60e07175305a551536ffdcf999f6ffda89c85923b611e3ba98c2a8358de40f5");
    }

    @Test
    void everyVerifierHasItsOwnSaltAndTheDefaultIterations() {
        String first = ProxyCredentials.of("ada", "correct horse battery");
        String second = ProxyCredentials.of("ada", "correct horse battery");
        assertThat(first).isNotEqualTo(second).startsWith("pbkdf2-sha256:" + ProxyCredentials.ITERATIONS + ":")
                .matches("pbkdf2-sha256:[0-9]+:[0-9a-f]{32}:[0-9a-f]{64}");
    }

    @Test
    void allowedAddressesAreStoredAsCanonicalNetworksWithoutDuplicates() {
        List<ProblemException.FieldProblem> problems = new ArrayList<>();
        assertThat(ProtectionService.allowedAddresses(List.of("192.0.2.77/24", "192.0.2.0/24", "127.0.0.1", "2001:DB8:0:0::1/32",
                "[::1]", "10.0.0.0/0"), problems))
                .containsExactly("192.0.2.0/24", "127.0.0.1/32", "2001:db8::/32", "::1/128", "0.0.0.0/0");
        assertThat(problems).isEmpty();
        for (String hostile : List.of("localhost", "192.0.2.0/33", "1.2.3.4/-1", "010.0.0.1", "::1/129", "1.2.3.4,5.6.7.8",
                "1.2.3.4/24|x", "fe80::1%eth0", "")) {
            List<ProblemException.FieldProblem> found = new ArrayList<>();
            ProtectionService.allowedAddresses(List.of(hostile), found);
            assertThat(found).as(hostile).extracting(ProblemException.FieldProblem::field).containsExactly("allowedAddresses");
        }
    }
}
