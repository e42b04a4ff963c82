package dev.berth.api.support;

import dev.berth.api.platform.BerthApplication;
import java.time.Clock;

/** The real application with a fake host, for resource tests. */
public final class TestApp extends BerthApplication {
    private final FakeSiteHost host;

    public TestApp() {
        this(new FakeSiteHost());
    }

    private TestApp(FakeSiteHost host) {
        super(config -> host, Clock.systemUTC());
        this.host = host;
    }

    public FakeSiteHost host() {
        return host;
    }
}
