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

    /**
     * Creates the A and AAAA set of {@code hostname} only if the name holds no A, AAAA or CNAME
     * record yet: the check and the creation are one update, atomic on the server.
     *
     * @throws DnsException of kind {@link DnsException.Kind#FOREIGN_RECORDS} if such a record exists (nothing changes)
     */
    void createAddresses(String hostname, List<InetAddress> addresses) throws DnsException;

    /** Makes the A and AAAA set of {@code hostname} exactly {@code addresses} (one update, atomic on the server). */
    void replaceAddresses(String hostname, List<InetAddress> addresses) throws DnsException;

    /** Removes every A and AAAA record of {@code hostname}. */
    void removeAddresses(String hostname) throws DnsException;

    /** Adds one TXT value at {@code name} (DNS-01: {@code _acme-challenge.HOST}), keeping other values. */
    void addTxt(String name, String value) throws DnsException;

    /** Removes one TXT value at {@code name}. */
    void removeTxt(String name, String value) throws DnsException;
}
