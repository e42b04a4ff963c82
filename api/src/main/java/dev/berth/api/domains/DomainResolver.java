package dev.berth.api.domains;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Looks up what a hostname resolves to (A/AAAA, following CNAMEs). A fake replaces it in tests. */
@FunctionalInterface
public interface DomainResolver {
    List<InetAddress> addresses(String hostname) throws UnknownHostException;

    /** The system resolver. */
    DomainResolver SYSTEM = hostname -> List.of(InetAddress.getAllByName(hostname));
}
