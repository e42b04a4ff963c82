package dev.berth.api.deploys.git;

import dev.berth.api.outbound.RepositoryUrlPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** DNS for tests: fixed answers, no network, every lookup recorded. Thread-safe. */
public final class FakeResolver implements RepositoryUrlPolicy.Resolver {
    private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
    /** Every host asked for, in order. */
    public final List<String> lookups = Collections.synchronizedList(new ArrayList<>());

    public FakeResolver answer(String host, String... addresses) {
        List<InetAddress> resolved = new ArrayList<>();
        for (String address : addresses) {
            try {
                resolved.add(InetAddress.getByAddress(host, InetAddress.getByName(address).getAddress()));
            } catch (UnknownHostException impossible) {
                throw new AssertionError(impossible);
            }
        }
        answers.put(host, resolved);
        return this;
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        lookups.add(host);
        if (host.matches("^[0-9.]+$") || host.contains(":")) {
            return List.of(InetAddress.getByName(host)); // IP literals: parsed, never looked up
        }
        List<InetAddress> resolved = answers.get(host);
        if (resolved == null) {
            throw new UnknownHostException(host);
        }
        return resolved;
    }
}
