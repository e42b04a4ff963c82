package dev.berth.hostd.dns;

import dev.berth.hostd.site.AtomicFiles;
import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostd.site.SiteSpec;
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
 * points at the host's public addresses. {@link #ensure} compares what the server answers with what
 * it should answer and updates only on a difference, so the periodic reconcile re-asserts drifted
 * records at the cost of one query per name. The names published per site are kept in a small file
 * so that a deleted site (whose spec is gone) still has its records removed, also after a restart.
 * Thread-safe per site (the reconciler holds the site's lock).
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

    /** Makes the site's names answer with the public addresses and removes names it no longer has. */
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
        Set<String> published = published(spec.siteId());
        Set<String> all = new LinkedHashSet<>(published);
        all.addAll(wanted);
        // Record the union first: a crash between the update and this write must not forget a name.
        if (!all.equals(published)) {
            write(spec.siteId(), all);
        }
        for (String hostname : wanted) {
            if (!sameAddresses(dns.addresses(hostname), publicAddresses)) {
                dns.replaceAddresses(hostname, publicAddresses);
            }
        }
        for (String hostname : published) {
            if (!wanted.contains(hostname)) {
                dns.removeAddresses(hostname);
            }
        }
        if (!wanted.equals(all)) {
            write(spec.siteId(), wanted);
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
