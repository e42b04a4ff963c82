package dev.berth.api.support;

import dev.berth.api.BerthApplication;
import dev.berth.api.domains.DomainResolver;
import dev.berth.api.hosts.HostPorts;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The real application with a fake host, for resource tests. */
public class TestApp extends BerthApplication {
    private final FakeSiteHost host;
    private final Map<String, FakeSiteHost> joinedNodes;
    /** Every URL a client was made for, in order (a node that joins is dialled at its URL). */
    private static final List<String> dialled = java.util.Collections.synchronizedList(new ArrayList<>());
    private final FakeResolver resolver;
    private final dev.berth.api.deploys.git.FakeResolver repositoryResolver;

    public TestApp() {
        this(new FakeSiteHost(), new FakeResolver(), dev.berth.api.deploys.git.HostileRepositoryUrls.dns());
    }

    /** @param resolver the custom domains' DNS; null: the configured name servers' (a real named) */
    protected TestApp(FakeSiteHost host, FakeResolver resolver, dev.berth.api.deploys.git.FakeResolver repositoryResolver) {
        this(host, resolver, repositoryResolver, new ConcurrentHashMap<>(), java.time.Clock.systemUTC());
    }

    private TestApp(FakeSiteHost host, FakeResolver resolver, dev.berth.api.deploys.git.FakeResolver repositoryResolver,
                    Map<String, FakeSiteHost> joinedNodes, java.time.Clock clock) {
        super(BerthApplication.Overrides.none().withClock(clock).withHosts(config -> HostPorts.of(host)).withDomainResolver(resolver)
                .withRepositoryResolver(repositoryResolver)
                .withJoinedNodes((config, url) -> {
                    dialled.add(url);
                    return HostPorts.of(joinedNodes.computeIfAbsent(url, unused -> new FakeSiteHost()));
                }));
        this.joinedNodes = joinedNodes;
        this.host = host;
        this.resolver = resolver;
        this.repositoryResolver = repositoryResolver;
    }

    /** The application asking the name servers of its configuration ({@code domains.nameservers}) about custom domains. */
    public static final class WithRealDns extends TestApp {
        public WithRealDns() {
            super(new FakeSiteHost(), null, dev.berth.api.deploys.git.HostileRepositoryUrls.dns());
        }
    }

    /**
     * The application on a clock the test moves ({@link #CLOCK}, starting now), for what happens
     * after a while: a node silent for longer than {@code host.nodeLostAfterSeconds}.
     */
    public static final class WithMutableClock extends TestApp {
        public static final dev.berth.testkit.MutableClock CLOCK = new dev.berth.testkit.MutableClock(java.time.Instant.now());

        public WithMutableClock() {
            super(new FakeSiteHost(), new FakeResolver(), dev.berth.api.deploys.git.HostileRepositoryUrls.dns(), new ConcurrentHashMap<>(),
                    CLOCK);
        }
    }

    /** What repository host names resolve to in this test (IP literals only, plus the hostile corpus's answers). */
    public dev.berth.api.deploys.git.FakeResolver repositoryResolver() {
        return repositoryResolver;
    }

    /** What custom domains resolve to in this test (nothing resolves unless set). */
    public FakeResolver resolver() {
        return resolver;
    }

    /** A resolver answering from maps: unit tests never ask real DNS. */
    public static final class FakeResolver implements DomainResolver {
        private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
        private final Map<String, List<String>> texts = new ConcurrentHashMap<>();
        private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

        public FakeResolver answer(String hostname, String... literals) {
            List<InetAddress> found = new ArrayList<>();
            for (String literal : literals) {
                try {
                    found.add(InetAddress.getByName(literal));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(e);
                }
            }
            addresses.put(hostname, found);
            return this;
        }

        /** Publishes TXT records at {@code name} (none: removes them). */
        public FakeResolver text(String name, String... values) {
            texts.put(name, List.of(values));
            return this;
        }

        /** DNS gives no answer about {@code name} (or answers again, with {@code failing} false). */
        public FakeResolver failing(String name, boolean failing) {
            if (failing) {
                unanswered.add(name);
            } else {
                unanswered.remove(name);
            }
            return this;
        }

        @Override
        public List<InetAddress> addresses(String hostname) throws LookupFailedException {
            if (unanswered.contains(hostname)) {
                throw new LookupFailedException("timed out");
            }
            return addresses.getOrDefault(hostname, List.of());
        }

        @Override
        public List<String> texts(String name) throws LookupFailedException {
            if (unanswered.contains(name)) {
                throw new LookupFailedException("timed out");
            }
            return texts.getOrDefault(name, List.of());
        }
    }

    public FakeSiteHost host() {
        return host;
    }

    /** The fake host a node joining at {@code url} is (made now if no node was dialled there yet). */
    public FakeSiteHost joinedNode(String url) {
        return joinedNodes.computeIfAbsent(url, unused -> new FakeSiteHost());
    }

    /** Every URL a node client was made for so far, in this JVM. */
    public List<String> dialled() {
        synchronized (dialled) {
            return List.copyOf(dialled);
        }
    }
}
