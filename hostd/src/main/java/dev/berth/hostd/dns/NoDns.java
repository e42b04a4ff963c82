package dev.berth.hostd.dns;

import java.net.InetAddress;
import java.util.List;

/** Provider {@code none} (development): publishes nothing; {@code NAME.localhost} resolves to loopback by itself. */
public final class NoDns implements Dns {

    @Override
    public boolean publishes() {
        return false;
    }

    @Override
    public boolean manages(String hostname) {
        return false;
    }

    @Override
    public List<InetAddress> addresses(String hostname) {
        return List.of();
    }

    @Override
    public java.util.Optional<Claim> claim(String hostname) {
        return java.util.Optional.empty();
    }

    @Override
    public void createAddresses(String hostname, List<InetAddress> addresses, Claim claim) {
    }

    @Override
    public boolean replaceAddresses(String hostname, List<InetAddress> addresses, Claim claim, java.util.Optional<Claim> expected) {
        return true;
    }

    @Override
    public boolean removeAddresses(String hostname, List<InetAddress> expected, java.util.Optional<Claim> expectedClaim) {
        return true;
    }

    @Override
    public void addTxt(String name, String value) throws DnsException {
        throw new DnsException(DnsException.Kind.REJECTED, "DNS provider none cannot publish TXT records (DNS-01 needs rfc2136)");
    }

    @Override
    public void removeTxt(String name, String value) {
    }
}
