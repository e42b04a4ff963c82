package dev.berth.hostd.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The authoritative DNS of the platform zone. Every change but {@link #createAddresses} replaces
 * what was there, so calling a method twice changes nothing; removing what is already gone
 * succeeds. Which names hostd may replace or remove is {@link SiteRecords}'s to decide (the ones it
 * created). Implementations are thread-safe.
 */
public interface Dns {

    /** True if this provider publishes records at all ({@code none} does not: {@code *.localhost} resolves by itself). */
    boolean publishes();

    /** True if {@code hostname} lies in the zone this provider manages (its records can be written). */
    boolean manages(String hostname);

    /** The A and AAAA addresses the authoritative server answers for {@code hostname} now (empty if none). */
    List<InetAddress> addresses(String hostname) throws DnsException;

    /** The owner marker at {@code _berth.HOSTNAME} (see {@link Claim}), or empty if there is none. */
    java.util.Optional<Claim> claim(String hostname) throws DnsException;

    /**
     * Creates the A and AAAA set of {@code hostname} only if the name holds no A, AAAA or CNAME
     * record yet, with {@code claim} as its owner marker: the check and the creation are one update,
     * atomic on the server.
     *
     * @throws DnsException of kind {@link DnsException.Kind#FOREIGN_RECORDS} if such a record exists (nothing changes)
     */
    void createAddresses(String hostname, List<InetAddress> addresses, Claim claim) throws DnsException;

    /**
     * Makes the A and AAAA set of {@code hostname} exactly {@code addresses} and its marker
     * {@code claim}, only if the marker is still {@code expected} (absent if empty): a compare and
     * set, one update atomic on the server.
     *
     * @return false if the marker was no longer {@code expected} (nothing changed)
     */
    boolean replaceAddresses(String hostname, List<InetAddress> addresses, Claim claim, java.util.Optional<Claim> expected)
            throws DnsException;

    /**
     * Removes the A and AAAA records of {@code hostname} and its marker, only if the A and AAAA sets
     * are exactly {@code expected} and the marker is still {@code expectedClaim} (absent if empty):
     * one update, atomic on the server. Records another node or another site published since, or
     * that someone changed, stay.
     *
     * @return false if the records or the marker were not as expected (nothing changed); true if
     *         they are gone (also when there were none)
     */
    boolean removeAddresses(String hostname, List<InetAddress> expected, java.util.Optional<Claim> expectedClaim) throws DnsException;

    /** Adds one TXT value at {@code name} (DNS-01: {@code _acme-challenge.HOST}), keeping other values. */
    void addTxt(String name, String value) throws DnsException;

    /** Removes one TXT value at {@code name}. */
    void removeTxt(String name, String value) throws DnsException;
}
