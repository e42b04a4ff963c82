package dev.berth.api.tenants;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * A tenant's sites as its overview counts them, read on the caller's handle; the sites feature
 * answers it (wired at composition), so tenants need not know how sites are stored.
 */
@FunctionalInterface
public interface TenantSites {
    Counted count(Handle handle, UUID tenantId);

    /**
     * @param sites   every site of the tenant
     * @param running the sites it wants running (not being deleted)
     * @param ids     the ids of every site, for the host's live figures
     */
    record Counted(int sites, int running, List<UUID> ids) {
    }
}
