package dev.berth.api.deploys;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A release kept in the {@link ContentStore}.
 *
 * @param releaseId  the release (unique across sites)
 * @param siteId     the site it was deployed to
 * @param files      regular files in it
 * @param bytes      bytes of those files together
 * @param modifiedEpochNanos the one modification time of its normalized tar, in nanoseconds since the epoch
 * @param createdAt  when it was stored
 */
public record ReleaseManifest(String releaseId, UUID siteId, int files, long bytes, long modifiedEpochNanos, Instant createdAt) {
    public ReleaseManifest {
        Objects.requireNonNull(releaseId, "releaseId");
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(createdAt, "createdAt");
        if (files < 0 || bytes < 0) {
            throw new IllegalArgumentException("a release's files and bytes must not be negative");
        }
    }

    /** The one modification time of its normalized tar. */
    public Instant modifiedAt() {
        return Instant.ofEpochSecond(0, modifiedEpochNanos);
    }

    static long epochNanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
