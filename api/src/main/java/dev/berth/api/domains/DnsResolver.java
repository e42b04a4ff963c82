package dev.berth.api.domains;

import dev.berth.api.platform.IpAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DomainResolver} on dnsjava: the configured name servers ({@code host:port} literals, for
 * a private resolver or the test's named), or the system's (/etc/resolv.conf) when none are
 * configured. Every question is asked afresh (no cache): a domain's proof is whatever DNS says now.
 * Thread-safe.
 */
public final class DnsResolver implements DomainResolver {
    private final Resolver resolver;

    /**
     * @param nameservers IP literals with an optional port ({@code 127.0.0.1:5353}, {@code [::1]:53}); empty: the system's
     * @param timeout     how long one question may take, retries included
     */
    public DnsResolver(List<String> nameservers, Duration timeout) {
        if (nameservers.isEmpty()) {
            resolver = new ExtendedResolver();
        } else {
            List<Resolver> servers = new ArrayList<>();
            for (String server : nameservers) {
                servers.add(new SimpleResolver(socketAddress(server)));
            }
            resolver = new ExtendedResolver(servers);
        }
        resolver.setTimeout(timeout);
    }

    private static InetSocketAddress socketAddress(String server) {
        String host = server.strip();
        int port = 53;
        int colon = host.lastIndexOf(':');
        boolean bracketed = host.startsWith("[");
        if (colon > 0 && (bracketed ? host.indexOf(']') < colon : host.indexOf(':') == colon)) {
            port = Integer.parseInt(host.substring(colon + 1));
            host = host.substring(0, colon);
        }
        InetAddress address = IpAddresses.literal(host)
                .orElseThrow(() -> new IllegalArgumentException("domains.nameservers: '" + server + "' is not an IP address with an optional port"));
        return new InetSocketAddress(address, port);
    }

    @Override
    public List<InetAddress> addresses(String hostname) throws LookupFailedException {
        List<InetAddress> addresses = new ArrayList<>();
        for (Record record : lookup(hostname, Type.A)) {
            if (record instanceof ARecord a) {
                addresses.add(a.getAddress());
            }
        }
        for (Record record : lookup(hostname, Type.AAAA)) {
            if (record instanceof AAAARecord aaaa) {
                addresses.add(aaaa.getAddress());
            }
        }
        return addresses;
    }

    @Override
    public List<String> texts(String name) throws LookupFailedException {
        List<String> texts = new ArrayList<>();
        for (Record record : lookup(name, Type.TXT)) {
            if (record instanceof TXTRecord txt) {
                texts.add(String.join("", txt.getStrings()));
            }
        }
        return texts;
    }

    private List<Record> lookup(String name, int type) throws LookupFailedException {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name, Name.root), type);
        } catch (TextParseException invalid) {
            return List.of(); // a name DNS cannot hold has no records
        }
        lookup.setResolver(resolver);
        lookup.setCache(null);
        lookup.setSearchPath((Name[]) null);
        Record[] records = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> records == null ? List.of() : List.of(records);
            case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> List.of();
            default -> throw new LookupFailedException("DNS gave no answer for " + name + " (" + lookup.getErrorString() + ")");
        };
    }
}
