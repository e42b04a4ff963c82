package dev.berth.api.events;

import dev.berth.api.caller.Caller;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * Which events a member is e-mailed about, stored per user and tenant: each member of a tenant
 * chooses for themselves, and nobody is e-mailed until they choose. Thread-safe.
 */
public final class NotificationService {
    private final Jdbi jdbi;

    public NotificationService(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The caller's chosen event types in the caller's tenant, by wire name. */
    public List<String> preferences(Caller caller) {
        return jdbi.withExtension(EventDao.class, dao -> dao.preferences(caller.userId(), caller.tenantId()));
    }

    /**
     * Replaces the caller's choice; an empty list turns every notification off.
     *
     * @throws dev.berth.api.platform.ProblemException 400 naming an unknown or repeated type
     */
    public List<String> replace(Caller caller, List<String> eventTypes) {
        List<String> types = eventTypes == null || eventTypes.isEmpty() ? List.of()
                : List.of(WebhookService.types(eventTypes).split(","));
        jdbi.useTransaction(handle -> {
            EventDao dao = handle.attach(EventDao.class);
            dao.clearPreferences(caller.userId(), caller.tenantId());
            for (String type : Set.copyOf(types)) {
                dao.addPreference(caller.userId(), caller.tenantId(), type);
            }
        });
        return preferences(caller);
    }
}
