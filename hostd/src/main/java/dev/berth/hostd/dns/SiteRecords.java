package dev.berth.hostd.dns;

import dev.berth.hostd.site.AtomicFiles;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.SiteSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The A and AAAA records of every site: each hostname of a spec that lies in the provider's zone
 * points at the host's public addresses. hostd touches only record sets it created: the names a
 * site owns are kept in a small file ({@code STATE/SITE.names}), written before a name's records are
 * created, so that a crash never leaves records hostd forgot. A name is created with RFC 2136
 * prerequisites (no A, AAAA or CNAME there yet, checked atomically by the server); if the zone
 * already holds such records for it, they are left exactly as they are, the name is not published,
 * and the site reports {@code errors.dns} ({@link DnsException.Kind#FOREIGN_RECORDS}) until they are
 * gone. Owned names are compared with what the server answers and updated only on a difference, so
 * the periodic reconcile re-asserts drifted records at the cost of one query per name; a name the
 * spec drops, and every name of a deleted site (also after a restart), loses its records. Thread-safe
 * per site (the reconciler holds the site's lock).
 */
public final class SiteRecords {
    private final Dns dns;
    private final List<InetAddress> publicAddresses;
    private final Path stateDirectory;

    public SiteRecords(Dns dns, List<InetAddress> publicAddresses, Path stateDirectory) {
        if (dns.publishes() && publicAddresses.isEmpty()) {
            throw new IllegalArgumentException("dns.publicAddresses must list the host's public IPv4 and/or IPv6 addresses");
        }
        this.dns = dns;
        this.publicAddresses = List.copyOf(publicAddresses);
        this.stateDirectory = stateDirectory;
    }

    /** Records that publish nothing (provider none). */
    public static SiteRecords none() {
        return new SiteRecords(new NoDns(), List.of(), Path.of("/nonexistent"));
    }

    public boolean publishes() {
        return dns.publishes();
    }

    /**
     * Makes the site's names answer with the public addresses and removes the names it no longer has.
     *
     * @throws DnsException of kind {@link DnsException.Kind#FOREIGN_RECORDS} naming every hostname
     *                      whose records hostd did not create (after converging all the others)
     */
    public void ensure(SiteSpec spec) throws HostOperationException {
        if (!dns.publishes()) {
            return;
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String hostname : spec.hostnames()) {
            if (dns.manages(hostname)) {
                wanted.add(hostname.toLowerCase(java.util.Locale.ROOT));
            }
        }
        Set<String> owned = published(spec.siteId());
        List<String> foreign = new ArrayList<>();
        for (String hostname : wanted) {
            List<InetAddress> answered = List.of();
            if (owned.contains(hostname)) {
                answered = dns.addresses(hostname);
                if (sameAddresses(answered, publicAddresses)) {
                    continue;
                }
            }
            if (!answered.isEmpty()) {
                // Ours, changed by hand: put the platform's addresses back.
                dns.replaceAddresses(hostname, publicAddresses);
                continue;
            }
            // Recorded first: a crash between the update and this write must not forget a name. A
            // name recorded but never created (hostd died in between) is created like a new one.
            if (owned.add(hostname)) {
                write(spec.siteId(), owned);
            }
            try {
                dns.createAddresses(hostname, publicAddresses);
            } catch (DnsException e) {
                if (e.kind() != DnsException.Kind.FOREIGN_RECORDS) {
                    throw e;
                }
                owned.remove(hostname);
                write(spec.siteId(), owned);
                foreign.add(hostname);
            }
        }
        for (String hostname : List.copyOf(owned)) {
            if (!wanted.contains(hostname)) {
                dns.removeAddresses(hostname);
                owned.remove(hostname);
                write(spec.siteId(), owned);
            }
        }
        if (!foreign.isEmpty()) {
            throw new DnsException(DnsException.Kind.FOREIGN_RECORDS, String.join(", ", foreign)
                    + " already has A, AAAA or CNAME records that hostd did not create; they are left as they are and the"
                    + " name is not published until they are removed");
        }
    }

    /** Removes every record published for the site; succeeds if there is none. */
    public void remove(UUID siteId) throws HostOperationException {
        if (!dns.publishes()) {
            return;
        }
        for (String hostname : published(siteId)) {
            dns.removeAddresses(hostname);
        }
        try {
            Files.deleteIfExists(file(siteId));
        } catch (IOException e) {
            throw new HostOperationException("cannot remove the DNS state of site " + siteId + ": " + e.getMessage(), e);
        }
    }

    /** Sites that have published records (for the orphan sweep). */
    public Set<UUID> sites() throws HostOperationException {
        Set<UUID> sites = new HashSet<>();
        if (!dns.publishes() || !Files.isDirectory(stateDirectory)) {
            return sites;
        }
        try (Stream<Path> files = Files.list(stateDirectory)) {
            files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".names"))
                    .forEach(name -> {
                        try {
                            sites.add(UUID.fromString(name.substring(0, name.length() - ".names".length())));
                        } catch (IllegalArgumentException ignored) {
                            // not ours
                        }
                    });
        } catch (IOException e) {
            throw new HostOperationException("cannot list " + stateDirectory + ": " + e.getMessage(), e);
        }
        return sites;
    }

    static boolean sameAddresses(List<InetAddress> actual, List<InetAddress> wanted) {
        return actual.size() == wanted.size() && new HashSet<>(actual).equals(new HashSet<>(wanted));
    }

    private Path file(UUID siteId) {
        return stateDirectory.resolve(siteId + ".names");
    }

    private Set<String> published(UUID siteId) throws HostOperationException {
        Path file = file(siteId);
        try {
            if (!Files.exists(file)) {
                return new LinkedHashSet<>();
            }
            Set<String> names = new LinkedHashSet<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    names.add(line.strip());
                }
            }
            return names;
        } catch (IOException e) {
            throw new HostOperationException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(UUID siteId, Set<String> names) throws HostOperationException {
        try {
            AtomicFiles.write(file(siteId), String.join("\n", new ArrayList<>(names)).concat("\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HostOperationException("cannot write the DNS state of site " + siteId + ": " + e.getMessage(), e);
        }
    }
}
