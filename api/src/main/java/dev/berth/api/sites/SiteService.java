package dev.berth.api.sites;

import dev.berth.api.caller.Caller;
import dev.berth.api.events.EventType;
import dev.berth.api.events.Events;
import dev.berth.api.operations.Operation;
import dev.berth.api.operations.OperationDao;
import dev.berth.api.platform.Cursor;
import dev.berth.api.platform.ProblemException;
import dev.berth.api.platform.Problems;
import dev.berth.api.platform.Secrets;
import dev.berth.api.platform.Sql;
import dev.berth.api.tenants.Quota;
import dev.berth.api.tenants.TenantDao;
import dev.berth.api.tenants.TenantSites;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Creating, listing, starting, stopping and deleting sites. Every method is scoped to the caller's
 * tenant: another tenant's site is reported exactly like a missing one. Quota counts and address
 * allocation happen under row locks in the same transaction as the change, so concurrent requests
 * can never exceed a quota or share an address. Thread-safe.
 */
public final class SiteService {
    private final Jdbi jdbi;
    private final SitePlacement placement;
    private final ReservedNames reserved;
    private final Clock clock;
    private final Consumer<UUID> changed;

    /**
     * @param changed told, once the change is committed, of each site whose desired state changed
     *                (created, started, stopped, being deleted), so that its node hears of it at once
     */
    public SiteService(Jdbi jdbi, SitePlacement placement, ReservedNames reserved, Clock clock, Consumer<UUID> changed) {
        this.jdbi = jdbi;
        this.placement = placement;
        this.reserved = reserved;
        this.clock = clock;
        this.changed = changed;
    }

    /**
     * Creates a site, desired running. With an idempotency key, a repeat of the same request
     * returns the site the first one created.
     */
    public Created create(Caller caller, String rawName, String idempotencyKey) {
        SiteName name = reserved.parseNew("name", rawName);
        String requestHash = Secrets.sha256("createSite\n" + name.value());
        Instant now = clock.instant();
        // Outside the transaction: asking the host must not hold the address pool's lock.
        SitePlacement.Placement placed = placement.place(caller.tenantId());
        placed.addresses().refreshIfStale();
        Created created;
        try {
            created = jdbi.inTransaction(handle -> {
                TenantDao tenants = handle.attach(TenantDao.class);
                SiteDao sites = handle.attach(SiteDao.class);
                tenants.lock(caller.tenantId()).orElseThrow(() -> Problems.NOT_FOUND.with("the tenant no longer exists"));
                if (idempotencyKey != null) {
                    Optional<Created> replay = replay(handle, caller.tenantId(), idempotencyKey, requestHash);
                    if (replay.isPresent()) {
                        return replay.get();
                    }
                }
                UUID id = insertNew(handle, caller.tenantId(), name.value(), placed, now, "");
                if (idempotencyKey != null) {
                    handle.createUpdate("""
                                    INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, response_status,
                                                                  response_body, created_at)
                                    VALUES (:tenantId, :key, :hash, 201, :body, :now)
                                    """)
                            .bind("tenantId", caller.tenantId()).bind("key", idempotencyKey).bind("hash", requestHash)
                            .bind("body", id.toString()).bind("now", now).execute();
                }
                return new Created(sites.findById(id).orElseThrow(), false);
            });
        } catch (UnableToExecuteStatementException failure) {
            if (Sql.isUniqueViolation(failure)) {
                // The unique constraints caught a race the locks cannot see: another tenant took the name.
                throw nameTaken(name.value());
            }
            throw failure;
        }
        if (!created.replayed()) {
            changed.accept(created.site().id());
        }
        return created;
    }

    /**
     * Inserts a new site, desired running, on {@code placed}'s node, under the tenant's lock the
     * caller holds: checks the tenant's quotas ({@code quotaHint} ends their messages) and that the
     * name is free, allocates its addresses, says site.created. Returns its id.
     */
    private static UUID insertNew(Handle handle, UUID tenantId, String name, SitePlacement.Placement placed, Instant now,
                                  String quotaHint) {
        TenantDao tenants = handle.attach(TenantDao.class);
        SiteDao sites = handle.attach(SiteDao.class);
        Quota quota = tenants.findQuota(tenantId).orElseThrow().quota();
        if (sites.countSites(tenantId) >= quota.maxSites()) {
            throw Problems.QUOTA_EXCEEDED.with("the tenant may have at most " + quota.maxSites() + " sites" + quotaHint);
        }
        if (sites.countRunning(tenantId) >= quota.maxRunningSites()) {
            throw Problems.QUOTA_EXCEEDED.with("the tenant may run at most " + quota.maxRunningSites()
                    + " sites at once; stop one first" + quotaHint);
        }
        if (sites.countByName(name) > 0) {
            throw nameTaken(name);
        }
        sites.lockAddressPool();
        dev.berth.hostprotocol.net.BridgePlan.SiteAddresses pair = placed.addresses().allocate(sites.usedIpv4())
                .orElseThrow(() -> Problems.ADDRESSES_EXHAUSTED.with("every site address of this host is in use"));
        sites.countAllocation();
        UUID id = UUID.randomUUID();
        sites.insert(new Site(id, tenantId, null, name, pair.ipv4(), pair.ipv6(), Site.RUNNING,
                Site.PROVISIONING, null, 1, 0, null, now, now, null, null));
        sites.placeOn(id, placed.nodeId());
        Events.publish(handle, tenantId, EventType.SITE_CREATED, now, Map.of("site", name));
        return id;
    }

    /**
     * Checks that {@code rawName} could name a new site now: a valid site name that no site on the
     * platform holds. Says nothing about who holds a taken name.
     *
     * @throws dev.berth.api.platform.ProblemException 400 naming the broken rule, 409 name-taken
     */
    public SiteName checkAvailable(String rawName) {
        SiteName name = reserved.parseNew("name", rawName);
        if (jdbi.withExtension(SiteDao.class, dao -> dao.countByName(name.value())) > 0) {
            throw nameTaken(name.value());
        }
        return name;
    }

    public Site get(Caller caller, String name) {
        return jdbi.withHandle(handle -> SiteDao.find(handle, caller.tenantId(), name))
                .orElseThrow(() -> notFound(name));
    }

    /** One page of the caller's sites, by name. */
    public Page list(Caller caller, String cursor, int limit) {
        String after = cursor == null ? "" : Cursor.decode(cursor, 1).get(0);
        List<Site> items = jdbi.withHandle(handle -> SiteDao.list(handle, caller.tenantId(), after, limit + 1));
        return Page.of(items, limit);
    }

    /** One page of every site on the platform, for admins. */
    public Page listAll(String cursor, int limit) {
        String after = cursor == null ? "" : Cursor.decode(cursor, 1).get(0);
        List<Site> items = jdbi.withExtension(SiteDao.class, dao -> dao.listAll(after, limit + 1));
        return Page.of(items, limit);
    }

    public Operation start(Caller caller, String name) {
        return start(caller.tenantId(), name);
    }

    public Operation stop(Caller caller, String name) {
        return stop(caller.tenantId(), name);
    }

    /** Requests deletion; the row goes once the host has removed everything of the site. */
    public Operation delete(Caller caller, String name) {
        return delete(caller.tenantId(), name);
    }

    /** Platform admins: the site of this name, in whichever tenant holds it. */
    public Site getInAnyTenant(String name) {
        return jdbi.withExtension(SiteDao.class, dao -> dao.findByName(name)).orElseThrow(() -> notFound(name));
    }

    /** Wants a tenant's site running (its quota of running sites applies); the operation belongs to the tenant. */
    public Operation start(UUID tenantId, String name) {
        return changeDesiredState(tenantId, name, Site.RUNNING, "site.start");
    }

    /** Wants a tenant's site stopped; the operation belongs to the tenant. */
    public Operation stop(UUID tenantId, String name) {
        return changeDesiredState(tenantId, name, Site.STOPPED, "site.stop");
    }

    /**
     * Requests deletion of a tenant's site, and of its branch previews with it; the rows go once the
     * host has removed everything of each site.
     */
    public Operation delete(UUID tenantId, String name) {
        Instant now = clock.instant();
        List<UUID> previewsDeleted = new java.util.ArrayList<>();
        Operation operation = jdbi.inTransaction(handle -> {
            handle.attach(TenantDao.class).lock(tenantId);
            SiteDao sites = handle.attach(SiteDao.class);
            OperationDao operations = handle.attach(OperationDao.class);
            Site site = sites.find(tenantId, name).orElseThrow(() -> notFound(name));
            for (Preview preview : handle.attach(PreviewDao.class).ofParent(site.id())) {
                sites.findById(preview.siteId()).filter(p -> !p.deleting()).ifPresent(p -> {
                    requestDelete(handle, p, now);
                    previewsDeleted.add(p.id());
                });
            }
            if (site.deleting()) {
                return operations.openForSite(site.id()).stream().filter(o -> o.kind().equals("site.delete")).findFirst()
                        .orElseThrow(() -> Problems.CONFLICT.with("the site is already being deleted"));
            }
            return requestDelete(handle, site, now);
        });
        previewsDeleted.forEach(changed);
        changed.accept(operation.siteId());
        return operation;
    }

    private static Operation requestDelete(Handle handle, Site site, Instant now) {
        OperationDao operations = handle.attach(OperationDao.class);
        // The site row first, then its operations: the reconciler's recordObserved locks them in that
        // order, and the opposite order deadlocks with it on PostgreSQL.
        handle.attach(SiteDao.class).requestDelete(site.id(), now);
        operations.supersedeOpen(site.id(), "superseded by a delete request", now);
        Operation created = newOperation(site, "site.delete", now);
        operations.insert(created);
        return created;
    }

    /**
     * Records a push to {@code branch} of {@code parent} (a site with a Git source, not being deleted)
     * and returns the branch's preview site: the existing one, or a new one created, desired running,
     * under the same quotas as any new site. {@code alsoInTransaction} runs in the same transaction
     * with the preview site (to record the delivery and queue its deploy): when it throws, nothing of
     * the push is kept.
     *
     * @throws ProblemException 422 quota-exceeded when a new preview does not fit the tenant's quota,
     *     409 while the branch's preview is being removed or when the site's name leaves no room for its preview
     */
    public PreviewPush pushPreview(Site parent, String branch, java.util.function.BiConsumer<Handle, Site> alsoInTransaction) {
        Instant now = clock.instant();
        boolean known = jdbi.withExtension(PreviewDao.class, dao -> dao.findByBranch(parent.id(), branch)).isPresent();
        // Outside the transaction, as in create(): asking the host must not hold the address pool's lock.
        SitePlacement.Placement placed = known ? null : placement.place(parent.tenantId());
        if (placed != null) {
            placed.addresses().refreshIfStale();
        }
        PreviewPush pushed = jdbi.inTransaction(handle -> {
            handle.attach(TenantDao.class).lock(parent.tenantId()).orElseThrow(() -> Problems.NOT_FOUND.with("the tenant no longer exists"));
            PreviewDao previews = handle.attach(PreviewDao.class);
            SiteDao sites = handle.attach(SiteDao.class);
            Optional<Preview> found = previews.findByBranch(parent.id(), branch);
            PreviewPush push;
            if (found.isPresent()) {
                Site site = sites.findById(found.get().siteId()).orElseThrow();
                if (site.deleting()) {
                    throw Problems.CONFLICT.with("the preview of branch '" + branch + "' is being removed; push again once it is gone");
                }
                previews.pushed(site.id(), now);
                push = new PreviewPush(site, false);
            } else if (placed == null) {
                throw Problems.UNAVAILABLE.with("the preview of branch '" + branch + "' was removed meanwhile; deliver again");
            } else {
                String name = previewName(sites, branch, parent.name());
                UUID id = insertNew(handle, parent.tenantId(), name, placed, now,
                        "; a branch preview counts as a site, so branch '" + branch + "' is not deployed");
                previews.insert(id, parent.id(), branch, now);
                push = new PreviewPush(sites.findById(id).orElseThrow(), true);
            }
            alsoInTransaction.accept(handle, push.site());
            return push;
        });
        if (pushed.created()) {
            changed.accept(pushed.site().id());
        }
        return pushed;
    }

    private static String previewName(SiteDao sites, String branch, String parentName) {
        java.util.function.Supplier<ProblemException> noRoom = () -> Problems.CONFLICT.with(
                "the site's name leaves no room for a preview of this branch (sites of at most 55 characters always have room)");
        String plain = PreviewNames.plain(branch, parentName).orElseThrow(noRoom);
        if (sites.countByName(plain) == 0) {
            return plain;
        }
        // Another branch that maps to the same label holds the plain name.
        return PreviewNames.hashed(branch, parentName).orElseThrow(noRoom);
    }

    /** A push's preview site, and whether the push created it. */
    public record PreviewPush(Site site, boolean created) {
    }

    /** Removes the preview of {@code branch} of {@code parent} (its branch was deleted); empty when there is none. */
    public Optional<Site> removePreview(Site parent, String branch) {
        Optional<Site> preview = jdbi.withHandle(handle -> handle.attach(PreviewDao.class).findByBranch(parent.id(), branch)
                .flatMap(p -> handle.attach(SiteDao.class).findById(p.siteId())));
        preview.filter(site -> !site.deleting()).ifPresent(site -> delete(site.tenantId(), site.name()));
        return preview;
    }

    /** The previews of a site of the caller's tenant, by branch, each with its site. */
    public List<PreviewSite> previews(Caller caller, String siteName) {
        Site parent = get(caller, siteName);
        return jdbi.withHandle(handle -> handle.attach(PreviewDao.class).ofParent(parent.id()).stream()
                .flatMap(preview -> handle.attach(SiteDao.class).findById(preview.siteId()).map(site -> new PreviewSite(preview, site)).stream())
                .toList());
    }

    /** A preview and its site. */
    public record PreviewSite(Preview preview, Site site) {
    }

    /** Which of these sites are branch previews: site id -> its site's name and its branch. */
    public java.util.Map<UUID, PreviewDao.Link> previewLinks(java.util.Collection<UUID> siteIds) {
        if (siteIds.isEmpty()) {
            return java.util.Map.of();
        }
        java.util.Map<UUID, PreviewDao.Link> links = new java.util.HashMap<>();
        jdbi.useExtension(PreviewDao.class, dao -> dao.links(siteIds).forEach(link -> links.put(link.siteId(), link)));
        return links;
    }

    /** The preview a site is, if it is one. */
    public Optional<Preview> previewOf(UUID siteId) {
        return jdbi.withExtension(PreviewDao.class, dao -> dao.find(siteId));
    }

    /**
     * Removes the previews not pushed for {@code maxAge} (by the clock) and those whose parent is
     * being deleted. Returns how many it asked to remove.
     */
    public int sweepPreviews(java.time.Duration maxAge) {
        List<PreviewDao.Expired> expired = jdbi.withExtension(PreviewDao.class, dao -> dao.expired(clock.instant().minus(maxAge)));
        int removed = 0;
        for (PreviewDao.Expired preview : expired) {
            try {
                delete(preview.tenantId(), preview.name());
                removed++;
            } catch (ProblemException gone) {
                // deleted meanwhile: nothing left to do
            }
        }
        return removed;
    }

    private Operation changeDesiredState(UUID tenantId, String name, String desired, String kind) {
        Instant now = clock.instant();
        Operation operation = jdbi.inTransaction(handle -> {
            TenantDao tenants = handle.attach(TenantDao.class);
            tenants.lock(tenantId);
            SiteDao sites = handle.attach(SiteDao.class);
            OperationDao operations = handle.attach(OperationDao.class);
            Site site = sites.find(tenantId, name).orElseThrow(() -> notFound(name));
            if (site.deleting()) {
                throw Problems.CONFLICT.with("the site is being deleted");
            }
            if (desired.equals(site.desiredState())) {
                Optional<Operation> open = operations.openForSite(site.id()).stream().filter(o -> o.kind().equals(kind)).findFirst();
                if (open.isPresent()) {
                    return open.get();
                }
                // Nothing to change: the request is answered with an operation that is already done,
                // or that completes when the host catches up.
                boolean converged = desired.equals(site.observedState()) && site.observedGeneration() >= site.generation();
                Operation done = new Operation(UUID.randomUUID(), tenantId, site.id(), kind, site.name(),
                        converged ? Operation.SUCCEEDED : Operation.PENDING, null, now, now, null);
                operations.insert(done);
                return done;
            }
            if (Site.RUNNING.equals(desired)) {
                Quota quota = tenants.findQuota(tenantId).orElseThrow().quota();
                if (sites.countRunning(tenantId) >= quota.maxRunningSites()) {
                    throw Problems.QUOTA_EXCEEDED.with("the tenant may run at most " + quota.maxRunningSites()
                            + " sites at once; stop one first");
                }
            }
            // Site row before operations, as in delete() and the reconciler (else a deadlock on PostgreSQL).
            sites.setDesiredState(site.id(), desired, now);
            operations.supersedeOpen(site.id(), "superseded by a later " + kind + " request", now);
            Operation created = newOperation(site, kind, now);
            operations.insert(created);
            return created;
        });
        changed.accept(operation.siteId());
        return operation;
    }

    private static Operation newOperation(Site site, String kind, Instant now) {
        return new Operation(UUID.randomUUID(), site.tenantId(), site.id(), kind, site.name(), Operation.PENDING, null, now, now, null);
    }

    private Optional<Created> replay(Handle handle, UUID tenantId, String key, String requestHash) {
        Optional<Map<String, Object>> row = handle.createQuery(
                        "SELECT request_hash, response_body FROM idempotency_keys WHERE tenant_id = :tenantId AND idempotency_key = :key")
                .bind("tenantId", tenantId).bind("key", key).mapToMap().findOne();
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (!requestHash.equals(row.get().get("request_hash"))) {
            throw Problems.IDEMPOTENCY_KEY_REUSED.with("this Idempotency-Key was used for a different request");
        }
        UUID siteId = UUID.fromString(String.valueOf(row.get().get("response_body")));
        Site site = handle.attach(SiteDao.class).findById(siteId)
                .orElseThrow(() -> Problems.CONFLICT.with("the site this Idempotency-Key created has since been deleted"));
        return Optional.of(new Created(site, true));
    }

    private static ProblemException notFound(String name) {
        return Problems.NOT_FOUND.with("no site named '" + name + "'");
    }

    private static ProblemException nameTaken(String name) {
        return new ProblemException(Problems.NAME_TAKEN, "the site name '" + name + "' is taken",
                List.of(new ProblemException.FieldProblem("name", "is taken")), Map.of());
    }

    /** A created site, and whether it was a replay of an earlier request with the same idempotency key. */
    public record Created(Site site, boolean replayed) {
    }

    /** A page of sites and the cursor of the next page, if any. */
    public record Page(List<Site> items, String nextCursor) {
        static Page of(List<Site> fetched, int limit) {
            if (fetched.size() <= limit) {
                return new Page(fetched, null);
            }
            List<Site> items = fetched.subList(0, limit);
            return new Page(items, Cursor.encode(items.get(limit - 1).name()));
        }
    }

    /** A tenant's sites as its overview counts them (the tenants feature's {@link TenantSites}). */
    public static TenantSites.Counted countOf(Handle handle, UUID tenantId) {
        SiteDao sites = handle.attach(SiteDao.class);
        return new TenantSites.Counted(sites.countSites(tenantId), sites.countRunning(tenantId), sites.idsOfTenant(tenantId));
    }
}
