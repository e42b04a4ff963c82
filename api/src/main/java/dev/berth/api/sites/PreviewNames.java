package dev.berth.api.sites;

import dev.berth.api.platform.Secrets;
import java.util.Locale;
import java.util.Optional;

/**
 * The site name of a branch's preview: {@code BRANCH--SITE}, one DNS label, so that the platform's
 * wildcard certificate covers {@code BRANCH--SITE.<domain>}. Tenants cannot name a site with
 * {@code --} ({@link SiteName}), so a preview never takes a tenant's name.
 *
 * <p>The branch part is the branch lower-cased, every character outside {@code [a-z0-9-]} turned
 * into {@code -}, runs of {@code -} collapsed and {@code -} trimmed from both ends. When that does
 * not fit (the whole label is at most 63 characters), is empty or has two characters (which
 * would put {@code --} in the third and fourth places IDNA reserves), it is cut and followed by
 * {@code -} and the first 6 hex digits of the branch's SHA-256, so that two long branches with one
 * prefix get two names. The same hashed form is the fallback when the plain name is held by
 * another site (two branches that differ only in characters the mapping drops, such as
 * {@code feature/x} and {@code feature-x}). Stateless.
 */
public final class PreviewNames {
    /** The separator between branch and site; no tenant's site name contains it. */
    public static final String SEPARATOR = "--";
    private static final int MAX_LABEL = 63;
    private static final int HASH_LENGTH = 6;

    private PreviewNames() {
    }

    /** The branch part before any cut: lower-cased, mapped to {@code [a-z0-9-]}, collapsed and trimmed. */
    static String branchLabel(String branch) {
        return branch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-{2,}", "-").replaceAll("^-+|-+$", "");
    }

    /**
     * The preview's name for {@code branch} of {@code siteName}: plain when it fits, hashed otherwise;
     * empty when the site's name leaves no room for a preview (sites of more than 54 characters).
     */
    public static Optional<String> plain(String branch, String siteName) {
        String label = branchLabel(branch);
        int room = MAX_LABEL - SEPARATOR.length() - siteName.length();
        // Two characters then "--" is the form IDNA reserves (browsers decode "xn--" labels): hashed instead.
        if (!label.isEmpty() && label.length() <= room && label.length() != 2) {
            return Optional.of(label + SEPARATOR + siteName);
        }
        return hashed(branch, siteName);
    }

    /**
     * The hashed name: the branch part cut to leave room for {@code -HASH} (just the hash when
     * nothing else fits); empty when not even the hash fits.
     */
    public static Optional<String> hashed(String branch, String siteName) {
        String hash = Secrets.sha256(branch).substring(0, HASH_LENGTH);
        int room = MAX_LABEL - SEPARATOR.length() - siteName.length();
        if (room < HASH_LENGTH) {
            return Optional.empty();
        }
        String label = branchLabel(branch);
        int kept = Math.min(label.length(), room - HASH_LENGTH - 1);
        String prefix = kept <= 0 ? "" : label.substring(0, kept).replaceAll("-+$", "");
        return Optional.of((prefix.isEmpty() ? "" : prefix + "-") + hash + SEPARATOR + siteName);
    }
}
