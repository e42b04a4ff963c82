package dev.berth.api.deploys.archive;

import dev.berth.api.deploys.ContentLimits;

/**
 * Bounds on one archive upload.
 *
 * @param maxUploadBytes compressed bytes read from the request (the tenant's maxUpload quota)
 * @param content limits on the unpacked content; its maxTotalBytes is the tenant's free disk quota
 * @param maxCompressionRatio unpacked bytes per compressed byte read so far (default 100)...
 * @param ratioCheckAfterBytes ...checked once this many bytes are unpacked (default 1 MiB), so that
 *     small, very compressible sites still pass
 */
public record Limits(long maxUploadBytes, ContentLimits content, long maxCompressionRatio, long ratioCheckAfterBytes) {
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 256L << 20;
    public static final long DEFAULT_MAX_COMPRESSION_RATIO = 100;
    public static final long DEFAULT_RATIO_CHECK_AFTER_BYTES = 1L << 20;

    public Limits {
        if (maxUploadBytes < 1 || content == null || maxCompressionRatio < 1 || ratioCheckAfterBytes < 0) {
            throw new IllegalArgumentException("archive limits must be positive and name the content limits");
        }
    }

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_UPLOAD_BYTES, ContentLimits.defaults(), DEFAULT_MAX_COMPRESSION_RATIO, DEFAULT_RATIO_CHECK_AFTER_BYTES);
    }

    /** These limits with the tenant's quotas: upload size and free disk space. */
    public Limits forTenant(long maxUploadBytes, long freeDiskBytes) {
        return new Limits(maxUploadBytes, content.withMaxTotalBytes(freeDiskBytes), maxCompressionRatio, ratioCheckAfterBytes);
    }

    public Limits withContent(ContentLimits contentLimits) {
        return new Limits(maxUploadBytes, contentLimits, maxCompressionRatio, ratioCheckAfterBytes);
    }
}
