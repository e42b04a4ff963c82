package dev.berth.hostprotocol;

/**
 * A host's warm pool: containers started before any site asks, claimed by sites when they are
 * created or started.
 *
 * @param size      slots the host keeps ready (0: no pool)
 * @param ready     slots started and unclaimed now
 * @param lastError why the pool is off or the last slot could not be started; null if nothing went wrong
 */
public record WarmPoolState(int size, int ready, String lastError) {
}
