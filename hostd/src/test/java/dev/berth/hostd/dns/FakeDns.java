package dev.berth.hostd.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory zone {@code example.test}; {@link #failure} makes every call fail with it, and a
 * {@link #gate} holds every record creation until it opens.
 */
public final class FakeDns implements Dns {
    public final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    public final Map<String, Set<String>> txt = new ConcurrentHashMap<>();
    public volatile DnsException failure;
    public volatile int updates;
    public volatile java.util.concurrent.CountDownLatch gate;

    @Override
    public boolean publishes() {
        return true;
    }

    @Override
    public boolean manages(String hostname) {
        return hostname.endsWith(".example.test") || hostname.equals("example.test");
    }

    private void maybeFail() throws DnsException {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public List<InetAddress> addresses(String hostname) throws DnsException {
        maybeFail();
        return addresses.getOrDefault(hostname, List.of());
    }

    @Override
    public void createAddresses(String hostname, List<InetAddress> wanted) throws DnsException {
        java.util.concurrent.CountDownLatch held = gate;
        if (held != null) {
            try {
                held.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DnsException(DnsException.Kind.UNREACHABLE, "interrupted");
            }
        }
        maybeFail();
        if (addresses.containsKey(hostname)) {
            throw new DnsException(DnsException.Kind.FOREIGN_RECORDS, "create " + hostname + ": the name already holds records");
        }
        updates++;
        addresses.put(hostname, new ArrayList<>(wanted));
    }

    @Override
    public void replaceAddresses(String hostname, List<InetAddress> wanted) throws DnsException {
        maybeFail();
        updates++;
        addresses.put(hostname, new ArrayList<>(wanted));
    }

    @Override
    public void removeAddresses(String hostname) throws DnsException {
        maybeFail();
        updates++;
        addresses.remove(hostname);
    }

    @Override
    public void addTxt(String name, String value) throws DnsException {
        maybeFail();
        txt.computeIfAbsent(name, key -> ConcurrentHashMap.newKeySet()).add(value);
    }

    @Override
    public void removeTxt(String name, String value) throws DnsException {
        maybeFail();
        Set<String> values = txt.get(name);
        if (values != null) {
            values.remove(value);
            if (values.isEmpty()) {
                txt.remove(name);
            }
        }
    }
}
