package dev.berth.api.deploys;

/** What a normalized tar holds: regular files, directories and the files' total size in bytes. */
public record ContentCounts(long files, long directories, long bytes) {
    public ContentCounts {
        if (files < 0 || directories < 0 || bytes < 0) {
            throw new IllegalArgumentException("content counts must not be negative");
        }
    }
}
