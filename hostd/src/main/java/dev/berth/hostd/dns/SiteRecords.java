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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The A and AAAA records of every site: each hostname of a spec that lies in the provider's zone
 * points at this node's public addresses. hostd touches only record sets it created: the names a
 * site owns on this node are kept in a small file ({@code STATE/SITE.names}), written before a
 * name's records are created, so that a crash never leaves records hostd forgot, and each name
 * carries an owner marker ({@link Claim}: the site and the generation of the spec that wrote it, a
 * TXT at {@code _berth.HOSTNAME}). A name is created with RFC 2136 prerequisites (no A, AAAA or
 * CNAME there yet, checked atomically by the server). If the zone already holds records for it:
 * <ul>
 * <li>marked for this site by an older or equal generation (the node the site moved away from, or
 * this node before someone changed the records by hand): replaced with a compare and set on the
 * marker, so the site's addresses follow it to its new node;</li>
 * <li>marked for this site by a newer generation: the site lives on another node now, which
 * publishes it; left alone and forgotten here;</li>
 * <li>anything else (the operator's own records, another site's): left exactly as they are, the
 * name is not published, and the site reports {@code errors.dns}
 * ({@link DnsException.Kind#FOREIGN_RECORDS}) until they are gone.</li>
 * </ul>
 * Owned names are compared with what the server answers and updated only on a difference, so the
 * periodic reconcile re-asserts drifted records at the cost of one query per name. A name the spec
 * drops, and every name of a removed site (also after a restart), loses its records only if they
 * still hold exactly this node's addresses (a prerequisite on the exact old data): removing the copy
 * of a site that moved never deletes the records of the node it moved to. Thread-safe per site (the
 * reconciler holds the site's lock).
 */
public final class SiteRecords {
    private static final Logger LOG = LoggerFactory.getLogger(SiteRecords.class);
    /** The first line of a state file whose names all carry an owner marker (every file hostd writes now). */
    static final String MARKED = "# names with owner markers";
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
        Claim mine = new Claim(spec.siteId(), spec.generation());
        if (!owned.isEmpty() && !marked(spec.siteId())) {
            markPublished(owned, mine);
        }
        List<String> foreign = new ArrayList<>();
        for (String hostname : wanted) {
            boolean ownedBefore = owned.contains(hostname);
            List<InetAddress> answered = List.of();
            if (ownedBefore) {
                answered = dns.addresses(hostname);
                if (sameAddresses(answered, publicAddresses)) {
                    continue;
                }
            }
            // Recorded first: a crash between the update and this write must not forget a name. A
            // name recorded but never created (hostd died in between) is created like a new one.
            if (owned.add(hostname)) {
                write(spec.siteId(), owned);
            }
            if (answered.isEmpty()) {
                try {
                    dns.createAddresses(hostname, publicAddresses, mine);
                    continue;
                } catch (DnsException e) {
                    if (e.kind() != DnsException.Kind.FOREIGN_RECORDS) {
                        throw e;
                    }
                }
            }
            switch (takeOver(hostname, mine, ownedBefore)) {
                case PUBLISHED -> { }
                case SUPERSEDED -> {
                    owned.remove(hostname);
                    write(spec.siteId(), owned);
                }
                case FOREIGN -> {
                    owned.remove(hostname);
                    write(spec.siteId(), owned);
                    foreign.add(hostname);
                }
            }
        }
        for (String hostname : List.copyOf(owned)) {
            if (!wanted.contains(hostname)) {
                removeIfStillOurs(spec.siteId(), hostname);
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
            removeIfStillOurs(siteId, hostname);
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

    private enum TakeOver { PUBLISHED, SUPERSEDED, FOREIGN }

    /**
     * A name that already holds records: this site's own, written by an older generation (this node
     * before a hand edit, or the node the site was moved away from), are replaced by a compare and
     * set on the marker; this site's written by a newer generation belong to the node it lives on
     * now and stay; anything else is foreign. Records hostd created before it wrote markers are
     * recognised by the state file alone.
     */
    private TakeOver takeOver(String hostname, Claim mine, boolean ownedBefore) throws DnsException {
        Optional<Claim> claim = dns.claim(hostname);
        if (claim.isPresent() && claim.get().siteId().equals(mine.siteId())) {
            if (claim.get().generation() > mine.generation()) {
                LOG.info("{} is published for site {} by generation {} (this node holds {}): left to that placement",
                        hostname, mine.siteId(), claim.get().generation(), mine.generation());
                return TakeOver.SUPERSEDED;
            }
            if (!dns.replaceAddresses(hostname, publicAddresses, mine, claim)) {
                // Another node changed the marker between our read and our update: the next pass decides.
                LOG.info("{} changed while site {} took it over; retried on the next pass", hostname, mine.siteId());
            }
            return TakeOver.PUBLISHED;
        }
        if (claim.isEmpty() && ownedBefore && dns.replaceAddresses(hostname, publicAddresses, mine, Optional.empty())) {
            return TakeOver.PUBLISHED;
        }
        return TakeOver.FOREIGN;
    }

    /**
     * Removes {@code hostname}'s records if they are still this site's on this node: its marker names
     * the site (or there is none, as before markers) and it answers with this node's addresses. A
     * site of the same name created since, on this node or another, keeps its records.
     */
    private void removeIfStillOurs(UUID siteId, String hostname) throws DnsException {
        Optional<Claim> claim = dns.claim(hostname);
        if (claim.isPresent() && !claim.get().siteId().equals(siteId)) {
            LOG.info("{} is site {}'s now: its records are left as they are", hostname, claim.get().siteId());
            return;
        }
        if (!dns.removeAddresses(hostname, publicAddresses, claim)) {
            LOG.info("{} no longer answers with this node's addresses under this site's marker (another node publishes it"
                    + " now, or it was changed by hand): its records are left as they are", hostname);
        }
    }

    static boolean sameAddresses(List<InetAddress> actual, List<InetAddress> wanted) {
        return actual.size() == wanted.size() && new HashSet<>(actual).equals(new HashSet<>(wanted));
    }

    private Path file(UUID siteId) {
        return stateDirectory.resolve(siteId + ".names");
    }

    /**
     * Names published before hostd wrote owner markers (a state file without the {@link #MARKED}
     * line) get theirs once, where they still answer with this node's addresses, so that a node the
     * site moves to can take them over; the state file then says so, and this costs no query again.
     */
    private void markPublished(Set<String> owned, Claim mine) throws HostOperationException {
        for (String hostname : owned) {
            if (dns.claim(hostname).isEmpty() && sameAddresses(dns.addresses(hostname), publicAddresses)
                    && !dns.replaceAddresses(hostname, publicAddresses, mine, Optional.empty())) {
                LOG.info("{} changed while its owner marker was added; the next pass looks again", hostname);
            }
        }
        write(mine.siteId(), owned);
    }

    private boolean marked(UUID siteId) throws HostOperationException {
        try {
            return Files.readAllLines(file(siteId), StandardCharsets.UTF_8).contains(MARKED);
        } catch (IOException e) {
            throw new HostOperationException("cannot read " + file(siteId) + ": " + e.getMessage(), e);
        }
    }

    private Set<String> published(UUID siteId) throws HostOperationException {
        Path file = file(siteId);
        try {
            if (!Files.exists(file)) {
                return new LinkedHashSet<>();
            }
            Set<String> names = new LinkedHashSet<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.equals(MARKED)) {
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
            List<String> lines = new ArrayList<>(List.of(MARKED));
            lines.addAll(names);
            AtomicFiles.write(file(siteId), String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HostOperationException("cannot write the DNS state of site " + siteId + ": " + e.getMessage(), e);
        }
    }
}
