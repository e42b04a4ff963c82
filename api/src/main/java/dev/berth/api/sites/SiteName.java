package dev.berth.api.sites;

import dev.berth.api.platform.ProblemException;
import java.util.regex.Pattern;

/**
 * A site's name: a DNS label that becomes {@code NAME.<domain>}. Lower-case a-z, 0-9 and hyphens,
 * 1 to 63 characters, no leading or trailing hyphen, no {@code --} (branch previews are named
 * {@code BRANCH--SITE}, see {@link PreviewNames}). Whether a new site may take it is
 * {@link ReservedNames}'s call.
 */
public record SiteName(String value) {
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");

    public SiteName {
        if (value == null || !LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException("site name must be a DNS label of 1 to 63 characters: a-z, 0-9 and hyphens, "
                    + "not starting or ending with a hyphen");
        }
        if (value.contains(PreviewNames.SEPARATOR)) {
            throw new IllegalArgumentException("site name must not contain '--' (kept for branch previews, BRANCH--SITE, "
                    + "and by IDNA in the third and fourth places)");
        }
    }

    /** Parses a client-supplied name, answering 400 naming the field when it breaks a rule. */
    public static SiteName parseField(String field, String value) {
        try {
            return new SiteName(value);
        } catch (IllegalArgumentException invalid) {
            throw ProblemException.invalidField(field, invalid.getMessage());
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
