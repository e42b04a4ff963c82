package dev.berth.hostd.dns;

import dev.berth.hostd.site.HostOperationException;

/** A DNS update or query failed; {@link #kind()} says why and whether a retry can help. */
public final class DnsException extends HostOperationException {

    /** Why a DNS operation failed. */
    public enum Kind {
        /** The server refused the update (REFUSED): the zone policy does not allow it. */
        REFUSED(false),
        /** The server does not accept our key or signature (NOTAUTH, BADKEY, BADSIG, BADTIME). */
        NOT_AUTHORIZED(false),
        /** The reply was not signed with our key, or its signature did not verify. */
        UNVERIFIED_REPLY(false),
        /** The server did not answer in time. */
        TIMEOUT(true),
        /** The server could not be reached (connection refused, no route). */
        UNREACHABLE(true),
        /** The server answered SERVFAIL or another transient error. */
        SERVER_FAILURE(true),
        /** The name already holds A, AAAA or CNAME records that hostd did not create; they are left alone. */
        FOREIGN_RECORDS(false),
        /** Any other answer code (NOTZONE, FORMERR, ...). */
        REJECTED(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;

    public DnsException(Kind kind, String message) {
        super("dns " + kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + message);
        this.kind = kind;
    }

    public DnsException(Kind kind, String message, Throwable cause) {
        super("dns " + kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
