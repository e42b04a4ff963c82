package dev.berth.hostd.runtime;

import dev.berth.hostd.site.HostOperationException;
import dev.berth.hostprotocol.SiteSpec;
import java.util.Set;
import java.util.UUID;

/**
 * The site containers. Every method is idempotent; removing a container that is gone succeeds.
 * Thread-safe for different sites.
 */
public interface ContainerRuntime {

    /** What the runtime knows about one site's container. */
    record Status(State state, int pid, String specHash) {
        public static final Status ABSENT = new Status(State.ABSENT, 0, null);
    }

    enum State { RUNNING, STOPPED, ABSENT }

    Status status(UUID siteId) throws HostOperationException;

    /** Starts the site's container from a freshly generated bundle; a stopped leftover is deleted first. */
    void start(SiteSpec spec) throws HostOperationException;

    /**
     * Gives the site a container that is already running, if the runtime keeps some ready (a warm
     * pool) and the site has no container. The container then serves the site's directory with the
     * site's limits and addresses, as {@link #start} would have, and {@link #status} reports it with
     * the spec's hash.
     *
     * @return false if no container was given: the site is started the usual way
     */
    default boolean claim(SiteSpec spec) {
        return false;
    }

    /**
     * Stops the site's container: as {@link #remove}, except that the runtime may finish the job
     * in the background once the site's id is free for a new container.
     */
    default void stop(UUID siteId) throws HostOperationException {
        remove(siteId);
    }

    /** Kills and deletes the site's container; succeeds if it is already gone. */
    void remove(UUID siteId) throws HostOperationException;

    /** Sites that have a container (running or not) in this runtime's state directory. */
    Set<UUID> containers() throws HostOperationException;

    /** Hash of the container configuration this spec would produce, to tell when a restart is needed. */
    String specHash(SiteSpec spec);

    /** Version line of the runtime binary, for host health. */
    String version();
}
