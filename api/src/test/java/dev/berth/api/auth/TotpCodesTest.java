package dev.berth.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.OptionalLong;
import org.bouncycastle.util.encoders.Base32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TotpCodesTest {
    private static final byte[] SHA1_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHA256_SEED = "12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHA512_SEED = "1234567890123456789012345678901234567890123456789012345678901234".getBytes(StandardCharsets.US_ASCII);

    /** RFC 6238 appendix B: 8-digit codes of the three seeds at the listed times. */
    @ParameterizedTest
    @CsvSource({
            "59, 94287082, 46119246, 90693936",
            "1111111109, 07081804, 68084774, 25091201",
            "1111111111, 14050471, 67062674, 99943326",
            "1234567890, 89005924, 91819424, 93441116",
            "2000000000, 69279037, 90698825, 38618901",
            "20000000000, 65353130, 77737706, 47863826"})
    void codesMatchTheTestVectorsOfRfc6238(long epochSeconds, String sha1, String sha256, String sha512) {
        Instant time = Instant.ofEpochSecond(epochSeconds);
        long step = TotpCodes.stepOf(time);
        assertThat(new TotpCodes(TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1, 8).codeAt(SHA1_SEED, step)).isEqualTo(sha1);
        assertThat(new TotpCodes(TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA256, 8).codeAt(SHA256_SEED, step)).isEqualTo(sha256);
        assertThat(new TotpCodes(TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA512, 8).codeAt(SHA512_SEED, step)).isEqualTo(sha512);
        // What the API checks: 6 digits of the same HMAC-SHA1 code are its last six.
        assertThat(new TotpCodes().match(SHA1_SEED, sha1.substring(2), time, null)).hasValue(step);
    }

    @Test
    void aCodeOfTheStepBeforeOrAfterIsAcceptedAndTwoStepsAwayIsNot() {
        TotpCodes codes = new TotpCodes();
        byte[] secret = TotpCodes.newSecret();
        Instant now = Instant.parse("2026-12-06T01:00:10Z");
        long current = TotpCodes.stepOf(now);

        assertThat(codes.match(secret, codes.codeAt(secret, current), now, null)).hasValue(current);
        assertThat(codes.match(secret, codes.codeAt(secret, current - 1), now, null)).hasValue(current - 1);
        assertThat(codes.match(secret, codes.codeAt(secret, current + 1), now, null)).hasValue(current + 1);
        assertThat(codes.match(secret, codes.codeAt(secret, current - 2), now, null)).isEmpty();
        assertThat(codes.match(secret, codes.codeAt(secret, current + 2), now, null)).isEmpty();
    }

    @Test
    void aCodeWhoseStepWasAlreadyUsedOrPassedIsRefused() {
        TotpCodes codes = new TotpCodes();
        byte[] secret = TotpCodes.newSecret();
        Instant now = Instant.parse("2026-12-06T01:00:10Z");
        long current = TotpCodes.stepOf(now);
        String code = codes.codeAt(secret, current);

        assertThat(codes.match(secret, code, now, current)).as("the same code again").isEmpty();
        assertThat(codes.match(secret, codes.codeAt(secret, current - 1), now, current)).as("an older code after a newer one").isEmpty();
        assertThat(codes.match(secret, codes.codeAt(secret, current + 1), now, current)).hasValue(current + 1);
        assertThat(codes.match(secret, code, now, current - 1)).hasValue(current);
    }

    @Test
    void malformedCodesMatchNothing() {
        TotpCodes codes = new TotpCodes();
        byte[] secret = TotpCodes.newSecret();
        Instant now = Instant.now();
        String code = codes.codeAt(secret, TotpCodes.stepOf(now));
        for (String malformed : new String[] {null, "", "12345", "1234567", "12 456", "abcdef", code + " "}) {
            assertThat(codes.match(secret, malformed, now, null)).as(String.valueOf(malformed)).isEqualTo(OptionalLong.empty());
        }
    }

    @Test
    void theKeyUriCarriesTheSecretInBase32AndTheAppParameters() {
        byte[] secret = TotpCodes.newSecret();
        String base32 = TotpCodes.base32(secret);

        assertThat(base32).hasSize(32).matches("[A-Z2-7]+");
        assertThat(Base32.decode(base32)).isEqualTo(secret);
        assertThat(TotpCodes.keyUri("Berth (example.net)", "ada+ops@example.com", secret)).isEqualTo(
                "otpauth://totp/Berth%20%28example.net%29:ada%2Bops%40example.com?secret=" + base32
                        + "&issuer=Berth%20%28example.net%29&algorithm=SHA1&digits=6&period=30");
    }
}
