package dev.berth.api.hosts;

import dev.berth.hostprotocol.AccessLogEntry;
import java.io.IOException;

/**
 * Requests a host streams, oldest first (see {@link SiteHost#accessLogRange}). Read it to its end
 * or close it; not thread-safe.
 */
public interface AccessLogStream extends AutoCloseable {
    /** Nothing to read. */
    AccessLogStream EMPTY = new AccessLogStream() {
        @Override
        public AccessLogEntry next() {
            return null;
        }

        @Override
        public void close() {
        }
    };

    /**
     * The next request, or null at the end.
     *
     * @throws IOException if the host's answer breaks off or cannot be read
     */
    AccessLogEntry next() throws IOException;

    @Override
    void close() throws IOException;
}
