package dev.berth.api.platform;

import dev.berth.api.hosts.HostException;
import dev.berth.api.hosts.ObservedSite;
import dev.berth.api.hosts.SiteHost;
import dev.berth.api.hosts.SiteSpec;
import java.util.List;
import java.util.UUID;

/** Chooses the {@link SiteHost} implementation from configuration. */
final class HostFactories {
    private HostFactories() {
    }

    static SiteHost hostd(BerthConfiguration config) {
        String socket = config.host.socketPath;
        return new SiteHost() {
            @Override
            public void apply(SiteSpec spec) throws HostException {
                throw unavailable();
            }

            @Override
            public void remove(UUID siteId) throws HostException {
                throw unavailable();
            }

            @Override
            public List<ObservedSite> observe() throws HostException {
                throw unavailable();
            }

            private HostException unavailable() {
                return new HostException("berth-hostd is not connected (socket " + socket + ")", true);
            }
        };
    }
}
