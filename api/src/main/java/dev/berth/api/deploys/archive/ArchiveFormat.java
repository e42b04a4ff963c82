package dev.berth.api.deploys.archive;

import java.util.Locale;
import java.util.Optional;

/** The upload formats a deploy accepts, by request media type. */
public enum ArchiveFormat {
    ZIP("application/zip"),
    TAR_GZIP("application/gzip");

    private final String mediaType;

    ArchiveFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    /** Maps a Content-Type (parameters ignored; x-zip-compressed and x-gzip accepted as aliases). */
    public static Optional<ArchiveFormat> fromMediaType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "application/zip", "application/x-zip-compressed" -> Optional.of(ZIP);
            case "application/gzip", "application/x-gzip", "application/x-compressed-tar" -> Optional.of(TAR_GZIP);
            default -> Optional.empty();
        };
    }
}
