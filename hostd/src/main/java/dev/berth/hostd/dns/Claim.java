package dev.berth.hostd.dns;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which site, at which spec generation, wrote a name's A and AAAA records: the TXT value hostd keeps
 * at {@code _berth.HOSTNAME} next to them. Every node that serves a site publishes its names, so the
 * marker is how a node tells a name it may take over (the same site, placed on it by a newer
 * generation: a moved site) from a name it must leave alone (another site's, the operator's, or the
 * same site's published by a newer placement elsewhere).
 *
 * @param siteId     the site whose spec published the records
 * @param generation that spec's generation; a site moved to another node gets a higher one
 */
public record Claim(UUID siteId, long generation) {
    private static final Pattern TEXT = Pattern.compile("berth site=([0-9a-f-]{36}) generation=(\\d{1,18})");

    public Claim {
        if (siteId == null || generation < 0) {
            throw new IllegalArgumentException("a claim names a site and a generation of 0 or more");
        }
    }

    /** The TXT value, e.g. {@code berth site=UUID generation=7}. */
    public String text() {
        return "berth site=" + siteId + " generation=" + generation;
    }

    /** The claim a TXT value holds, or empty if it is not one. */
    public static Optional<Claim> parse(String text) {
        Matcher matcher = TEXT.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Claim(UUID.fromString(matcher.group(1)), Long.parseLong(matcher.group(2))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The name the marker lives at: {@code _berth.HOSTNAME}, in the zone and owned by hostd alone. */
    public static String markerName(String hostname) {
        return "_berth." + hostname;
    }
}
