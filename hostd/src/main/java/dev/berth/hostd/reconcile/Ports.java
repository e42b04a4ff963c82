package dev.berth.hostd.reconcile;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.content.Content;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.network.Network;
import dev.berth.hostd.proxy.Proxy;
import dev.berth.hostd.runtime.Runtime;
import dev.berth.hostd.site.HostOperationException;

/** The host's ports a site is made of. As a {@link StepRunner}, it runs each step for real. */
public record Ports(Content content, Cgroups cgroups, Network network, Runtime runtime, Proxy proxy, SiteRecords records)
        implements StepRunner {

    @Override
    public void run(Step step) throws HostOperationException {
        step.applyTo(this);
    }
}
