package dev.berth.api.deploys;

import java.io.IOException;

/**
 * Untrusted content broke a rule; the message states the rule and names the offending entry.
 *
 * <p>It is an {@link IOException} so that it can surface from inside the streams that enforce it;
 * callers must catch it before other {@code IOException}s: this one is the tenant's fault (422), the
 * others are ours or the network's.
 */
public final class ContentRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The rule that was broken; stable, usable as a problem type suffix. */
    public enum Rule {
        NOT_AN_ARCHIVE, CORRUPT_ARCHIVE, EMPTY, UPLOAD_TOO_LARGE, TOO_MANY_ENTRIES, TOO_MANY_BYTES,
        COMPRESSION_RATIO, PARENT_SEGMENT, ABSOLUTE_PATH, DRIVE_LETTER, BACKSLASH, CONTROL_CHARACTER,
        INVALID_ENCODING, SEGMENT_TOO_LONG, PATH_TOO_LONG, NAME_TABLE_TOO_LARGE, SYMBOLIC_LINK, HARD_LINK,
        DEVICE, FIFO, SOCKET, UNSUPPORTED_ENTRY_TYPE, SPECIAL_MODE_BITS, DUPLICATE_PATH, FILE_DIRECTORY_CLASH,
        SIZE_MISMATCH, ENCRYPTED_OR_UNSUPPORTED_METHOD, DIGEST_MISMATCH, SERVING_RULE
    }

    private final Rule rule;
    private final String entryName;

    public ContentRefusedException(Rule rule, String entryName, String message) {
        super(message);
        this.rule = rule;
        this.entryName = entryName;
    }

    public ContentRefusedException(Rule rule, String message) {
        this(rule, null, message);
    }

    public Rule rule() {
        return rule;
    }

    /** The offending entry's name made printable (control bytes escaped), or null for archive-wide rules. */
    public String entryName() {
        return entryName;
    }

    /** Makes an untrusted name safe to put in a message or a log line: escapes controls, truncates. */
    public static String printable(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < 200; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\'' || c == 0xfffd) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= 200) {
            out.append("...(").append(name.length()).append(" chars)");
        }
        return out.toString();
    }
}
