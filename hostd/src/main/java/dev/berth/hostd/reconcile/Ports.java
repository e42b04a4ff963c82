package dev.berth.hostd.reconcile;

import dev.berth.hostd.cgroups.Cgroups;
import dev.berth.hostd.content.Content;
import dev.berth.hostd.dns.SiteRecords;
import dev.berth.hostd.network.Network;
import dev.berth.hostd.proxy.Proxy;
import dev.berth.hostd.runtime.ContainerRuntime;
import dev.berth.hostd.site.HostOperationException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The host's ports a site is made of. As a {@link StepRunner}, it carries each step out for real. */
public record Ports(Content content, Cgroups cgroups, Network network, ContainerRuntime runtime, Proxy proxy, SiteRecords records)
        implements StepRunner {

    @Override
    public void run(Step step) throws HostOperationException {
        if (step instanceof Step.PublishRecords publish) {
            records.ensure(publish.spec());
        } else if (step instanceof Step.EnsureContent ensure) {
            content.ensure(ensure.spec());
        } else if (step instanceof Step.EnsureTenant tenant) {
            cgroups.ensureTenant(tenant.spec().tenantId(), tenant.spec().tenantLimits());
        } else if (step instanceof Step.Attach attach) {
            network.attach(attach.spec());
        } else if (step instanceof Step.Route route) {
            proxy.apply(route.spec(), route.spec().running());
        } else if (step instanceof Step.Container container) {
            if (container.decision() == Step.Container.Decision.START) {
                runtime.start(container.spec());
            }
        } else if (step instanceof Step.StopContainer stop) {
            runtime.stop(stop.siteId());
        } else if (step instanceof Step.Remove remove) {
            remove(remove);
        } else if (step instanceof Step.RemoveTenant tenant) {
            cgroups.removeTenantIfEmpty(tenant.tenantId());
        } else {
            throw new IllegalArgumentException("no port runs " + step);
        }
    }

    private void remove(Step.Remove step) throws HostOperationException {
        UUID siteId = step.siteId();
        switch (step.part()) {
            case PROXY -> proxy.remove(siteId);
            case RUNTIME -> runtime.remove(siteId);
            case NETWORK -> network.detach(siteId);
            case CGROUPS -> {
                for (Map.Entry<UUID, Set<UUID>> tenant : cgroups.existing().entrySet()) {
                    if (tenant.getValue().contains(siteId)) {
                        cgroups.removeSite(tenant.getKey(), siteId);
                    }
                    if (!step.tenantsInUse().contains(tenant.getKey())) {
                        cgroups.removeTenantIfEmpty(tenant.getKey());
                    }
                }
            }
            case CONTENT -> content.remove(siteId);
            case DNS -> records.remove(siteId);
        }
    }
}
