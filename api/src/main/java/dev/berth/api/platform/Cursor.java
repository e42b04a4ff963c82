package dev.berth.api.platform;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Opaque pagination cursors: the sort key of the last item of a page, encoded so that clients
 * treat it as a token rather than something to build.
 */
public final class Cursor {
    private Cursor() {
    }

    public static String encode(String... parts) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
    }

    /** A cursor made of a time and an id, as lists ordered by creation use. */
    public static String encode(java.time.Instant time, java.util.UUID id) {
        return encode(time.toString(), id.toString());
    }

    /**
     * Decodes a time-and-id cursor; {@code fallback} (the first page's position) when there is none.
     */
    public static TimeAndId decodeTimeAndId(String cursor, TimeAndId fallback) {
        if (cursor == null) {
            return fallback;
        }
        List<String> parts = decode(cursor, 2);
        try {
            return new TimeAndId(java.time.Instant.parse(parts.get(0)), java.util.UUID.fromString(parts.get(1)));
        } catch (RuntimeException invalid) {
            throw ProblemException.invalidField("cursor", "is not a cursor returned by this API");
        }
    }

    /** A position in a list ordered by time, then id. */
    public record TimeAndId(java.time.Instant time, java.util.UUID id) {
    }

    /** The parts of a cursor; 400 naming the {@code cursor} parameter when it was not made by {@link #encode}. */
    public static List<String> decode(String cursor, int expectedParts) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            List<String> parts = List.of(text.split("\n", -1));
            if (parts.size() != expectedParts) {
                throw new IllegalArgumentException("wrong number of parts");
            }
            return parts;
        } catch (IllegalArgumentException invalid) {
            throw ProblemException.invalidField("cursor", "is not a cursor returned by this API");
        }
    }
}
