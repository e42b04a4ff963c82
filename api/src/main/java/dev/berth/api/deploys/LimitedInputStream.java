package dev.berth.api.deploys;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads at most a number of bytes from a stream; one more is an error, not a silent truncation. */
final class LimitedInputStream extends FilterInputStream {
    private final long limit;
    private long read;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int value = super.read();
        if (value >= 0) {
            count(1);
        }
        return value;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int count = super.read(buffer, offset, length);
        if (count > 0) {
            count(count);
        }
        return count;
    }

    private void count(long bytes) throws TooLargeException {
        read += bytes;
        if (read > limit) {
            throw new TooLargeException();
        }
    }

    /** The stream went past its limit. */
    static final class TooLargeException extends IOException {
        TooLargeException() {
            super("limit exceeded");
        }
    }
}
