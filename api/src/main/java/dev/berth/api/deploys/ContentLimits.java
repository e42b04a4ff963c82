package dev.berth.api.deploys;

/**
 * Bounds on what one deploy may contain. {@code maxTotalBytes} is the tenant's remaining disk quota;
 * the others are platform defaults that configuration may change.
 *
 * @param maxEntries entries read from the source, directories included (default 20,000)
 * @param maxTotalBytes uncompressed bytes of all files together
 * @param maxSegmentBytes UTF-8 bytes of one path segment (default 255, the Linux NAME_MAX)
 * @param maxPathBytes UTF-8 bytes of a whole path (default 4096, the Linux PATH_MAX)
 * @param maxNameTableBytes UTF-8 bytes of all distinct paths, implicit parents included; bounds the
 *     memory used to detect duplicates (default 8 MiB)
 */
public record ContentLimits(int maxEntries, long maxTotalBytes, int maxSegmentBytes, int maxPathBytes, long maxNameTableBytes) {
    public static final int DEFAULT_MAX_ENTRIES = 20_000;
    public static final long DEFAULT_MAX_TOTAL_BYTES = 1L << 30;

    public ContentLimits {
        if (maxEntries < 1 || maxTotalBytes < 0 || maxSegmentBytes < 1 || maxPathBytes < maxSegmentBytes || maxNameTableBytes < maxPathBytes) {
            throw new IllegalArgumentException("content limits must be positive, with maxPathBytes >= maxSegmentBytes and "
                    + "maxNameTableBytes >= maxPathBytes");
        }
    }

    public static ContentLimits defaults() {
        return new ContentLimits(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_TOTAL_BYTES, 255, 4096, 8L << 20);
    }

    public ContentLimits withMaxTotalBytes(long bytes) {
        return new ContentLimits(maxEntries, bytes, maxSegmentBytes, maxPathBytes, maxNameTableBytes);
    }

    public ContentLimits withMaxEntries(int entries) {
        return new ContentLimits(entries, maxTotalBytes, maxSegmentBytes, maxPathBytes, maxNameTableBytes);
    }
}
