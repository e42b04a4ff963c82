package dev.berth.cli.output;

import java.io.PrintWriter;

/**
 * An upload's progress bar on standard error, redrawn in place ({@code \r}) at most every 100 ms:
 * {@code uploading [=========>          ]  45%  1.2 / 2.6 MiB}. Silent when disabled (output is not
 * a terminal). Thread-safe: the HTTP client reports bytes from its own threads.
 */
public final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private final String label;
    private final long totalBytes;
    private long doneBytes;
    private long lastDrawNanos;
    private boolean finished;

    public Progress(PrintWriter err, boolean enabled, String label, long totalBytes) {
        this.err = err;
        this.enabled = enabled;
        this.label = label;
        this.totalBytes = Math.max(1, totalBytes);
    }

    /** Counts bytes handed to the connection. */
    public synchronized void advance(long bytes) {
        doneBytes = Math.min(totalBytes, doneBytes + bytes);
        long now = System.nanoTime();
        if (enabled && !finished && (now - lastDrawNanos >= REDRAW_NANOS || doneBytes == totalBytes)) {
            lastDrawNanos = now;
            draw();
        }
    }

    /** Draws the final state and ends the line. */
    public synchronized void finish() {
        if (enabled && !finished) {
            draw();
            err.println();
            err.flush();
        }
        finished = true;
    }

    /** The bar as drawn now (without the carriage return). */
    synchronized String render() {
        int percent = (int) (doneBytes * 100 / totalBytes);
        int filled = (int) (doneBytes * WIDTH / totalBytes);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        return String.format("%s [%s] %3d%%  %s / %s", label, bar, percent, size(doneBytes), size(totalBytes));
    }

    private void draw() {
        err.print("\r" + render());
        err.flush();
    }

    /** Bytes in words: 512 B, 12.3 KiB, 1.2 MiB. */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
