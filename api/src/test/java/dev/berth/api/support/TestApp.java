package dev.berth.api.support;

import dev.berth.api.platform.BerthApplication;
import java.time.Clock;

/** The real application with a fake host, for resource tests. */
public final class TestApp extends BerthApplication {
    private final FakeSiteHost host;
    private final FakeResolver resolver;
    private final dev.berth.api.deploys.git.FakeResolver repositoryResolver;

    public TestApp() {
        this(new FakeSiteHost(), new FakeResolver(), dev.berth.api.deploys.git.HostileRepositoryUrls.dns());
    }

    private TestApp(FakeSiteHost host, FakeResolver resolver, dev.berth.api.deploys.git.FakeResolver repositoryResolver) {
        super(config -> host, Clock.systemUTC(), resolver, repositoryResolver);
        this.host = host;
        this.resolver = resolver;
        this.repositoryResolver = repositoryResolver;
    }

    /** What repository host names resolve to in this test (IP literals only, plus the hostile corpus's answers). */
    public dev.berth.api.deploys.git.FakeResolver repositoryResolver() {
        return repositoryResolver;
    }

    /** What custom domains resolve to in this test (nothing resolves unless set). */
    public FakeResolver resolver() {
        return resolver;
    }

    /** A resolver answering from a map: tests never ask real DNS. */
    public static final class FakeResolver implements dev.berth.api.domains.DomainResolver {
        private final java.util.Map<String, java.util.List<java.net.InetAddress>> answers = new java.util.concurrent.ConcurrentHashMap<>();

        public void answer(String hostname, String... literals) {
            java.util.List<java.net.InetAddress> addresses = new java.util.ArrayList<>();
            for (String literal : literals) {
                try {
                    addresses.add(java.net.InetAddress.getByName(literal));
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalArgumentException(e);
                }
            }
            answers.put(hostname, addresses);
        }

        @Override
        public java.util.List<java.net.InetAddress> addresses(String hostname) throws java.net.UnknownHostException {
            java.util.List<java.net.InetAddress> found = answers.get(hostname);
            if (found == null) {
                throw new java.net.UnknownHostException(hostname);
            }
            return found;
        }
    }

    public FakeSiteHost host() {
        return host;
    }
}
