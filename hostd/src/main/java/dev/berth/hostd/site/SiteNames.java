package dev.berth.hostd.site;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Names of the host objects that belong to a site. Every name starts with this host's prefix, so
 * the orphan sweep only ever touches objects that this hostd (or an earlier run of it) created.
 */
public record SiteNames(String prefix) {
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{1,11}");

    public SiteNames {
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("name prefix must be 2 to 12 characters a-z 0-9, starting with a letter");
        }
    }

    /** runc container id and network namespace name of a site. */
    public String site(UUID siteId) {
        return prefix + "-" + siteId;
    }

    /** The site id encoded in a container or netns name of this prefix, if it is one. */
    public Optional<UUID> parseSite(String name) {
        String head = prefix + "-";
        if (!name.startsWith(head)) {
            return Optional.empty();
        }
        try {
            String id = name.substring(head.length());
            UUID uuid = UUID.fromString(id);
            return uuid.toString().equals(id) ? Optional.of(uuid) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
