package dev.berth.api.domains;

import java.net.InetAddress;
import java.util.List;

/**
 * Asks DNS about a tenant's domain: what it resolves to and what its TXT records say. A real
 * resolver ({@link DnsResolver}) in production and in the integration test; a fake in unit tests.
 * Implementations tell a definite "there is no such record" (an empty answer) from "DNS could not
 * be asked" ({@link LookupFailedException}), because only the first may take a domain away.
 */
public interface DomainResolver {

    /**
     * The A and AAAA addresses of {@code hostname}, following CNAMEs.
     *
     * @return the addresses; empty when the name does not exist or has none
     * @throws LookupFailedException when DNS gave no answer (timeout, server failure)
     */
    List<InetAddress> addresses(String hostname) throws LookupFailedException;

    /**
     * The TXT records of {@code name}, following CNAMEs, each record's strings joined.
     *
     * @return the texts; empty when the name does not exist or has none
     * @throws LookupFailedException when DNS gave no answer (timeout, server failure)
     */
    List<String> texts(String name) throws LookupFailedException;

    /** DNS could not be asked right now; nothing is known about the name. */
    final class LookupFailedException extends Exception {
        public LookupFailedException(String message) {
            super(message, null, false, false);
        }
    }
}
