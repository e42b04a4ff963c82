package dev.berth.hostd.dns;

import dev.berth.testkit.NamedServer;
import java.net.InetSocketAddress;
import java.time.Duration;

/** hostd's rfc2136 provider pointed at a test {@link NamedServer}'s updatable zone. */
public final class TestDns {
    private TestDns() {
    }

    public static Rfc2136Dns provider(NamedServer named, int attempts) {
        return provider(named, named.secret, attempts);
    }

    public static Rfc2136Dns provider(NamedServer named, String keySecret, int attempts) {
        return new Rfc2136Dns(new Rfc2136Dns.Settings(new InetSocketAddress("127.0.0.1", named.port), NamedServer.ZONE,
                NamedServer.KEY_NAME, "hmac-sha256", keySecret, 60, Duration.ofSeconds(2), attempts, Duration.ofMillis(100)));
    }
}
