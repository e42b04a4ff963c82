package dev.berth.api.sites;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreviewNamesTest {

    @ParameterizedTest
    @CsvSource({
        "dev, blog, dev--blog",
        "Feature/Login_Form, blog, feature-login-form--blog",
        "--weird..//name--, blog, weird-name--blog",
        "release-1.2, blog, release-1-2--blog",
        "x, blog, x--blog"})
    void aBranchBecomesOneLowerCaseDnsLabelBeforeTheSite(String branch, String site, String expected) {
        assertThat(PreviewNames.plain(branch, site)).contains(expected);
        assertThat(new SiteNameLike(expected).isLabel()).isTrue();
    }

    @Test
    void aBranchTooLongForTheLabelIsCutAndHashedSoThatTwoSuchBranchesNeverCollide() {
        String common = "feature/" + "a".repeat(80);
        String first = PreviewNames.plain(common + "-one", "blog").orElseThrow();
        String second = PreviewNames.plain(common + "-two", "blog").orElseThrow();
        assertThat(first).hasSize(63).endsWith("--blog").isNotEqualTo(second);
        assertThat(second).hasSize(63);
        assertThat(new SiteNameLike(first).isLabel()).isTrue();
        assertThat(PreviewNames.plain(common + "-one", "blog")).contains(first);
    }

    @Test
    void aBranchWithNothingLeftOrOfTwoCharactersIsNamedByItsHash() {
        assertThat(PreviewNames.plain("___", "blog").orElseThrow()).matches("^[0-9a-f]{6}--blog$");
        // "v2--blog" would put "--" where IDNA reserves it (as "xn--" does).
        assertThat(PreviewNames.plain("v2", "blog").orElseThrow()).matches("^v2-[0-9a-f]{6}--blog$");
        assertThat(PreviewNames.plain("xn", "blog").orElseThrow()).matches("^xn-[0-9a-f]{6}--blog$");
    }

    @Test
    void theHashedFormSeparatesBranchesThatMapToTheSameLabel() {
        assertThat(PreviewNames.plain("feature/x", "blog")).isEqualTo(PreviewNames.plain("feature-x", "blog"));
        assertThat(PreviewNames.hashed("feature/x", "blog")).isNotEqualTo(PreviewNames.hashed("feature-x", "blog"));
        assertThat(PreviewNames.hashed("feature/x", "blog").orElseThrow()).matches("^feature-x-[0-9a-f]{6}--blog$");
    }

    @Test
    void aSiteWhoseNameLeavesNoRoomHasNoPreviews() {
        String longest = "s".repeat(55);
        assertThat(PreviewNames.plain("main-feature", longest).orElseThrow()).hasSize(63).matches("^[0-9a-f]{6}--s+$");
        assertThat(PreviewNames.plain("a", "s".repeat(56))).contains("a--" + "s".repeat(56));
        assertThat(PreviewNames.plain("feature", "s".repeat(56))).isEqualTo(Optional.empty());
    }

    @Test
    void manyBranchesOfOneSiteGetDistinctNames() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            names.add(PreviewNames.plain("topic/" + "long-branch-name-".repeat(4) + i, "site").orElseThrow());
        }
        assertThat(names).hasSize(2000);
    }

    @Test
    void aTenantCannotNameASiteLikeAPreview() {
        assertThat(PreviewNames.plain("dev", "blog").orElseThrow()).contains(PreviewNames.SEPARATOR);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SiteName("dev--blog")).hasMessageContaining("'--'");
    }

    /** A DNS label of at most 63 characters, not starting or ending with a hyphen. */
    private record SiteNameLike(String value) {
        boolean isLabel() {
            return value.matches("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
        }
    }
}
