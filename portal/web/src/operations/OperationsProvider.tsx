import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { OperationFromJSON, OperationToJSON, type Operation } from '@berth/api';
import { useAuth } from '../auth/AuthProvider';
import { readProblem } from '../api/problems';

/** How often an unfinished operation is looked at. */
export const OPERATION_POLL_MS = 1500;

export interface TrackedOperation {
  operation: Operation;
  /** "Stopping example", shown while it runs and in the announcement when it ends. */
  label: string;
}

interface OperationsState {
  /** The latest operation of each site (by name) started in this tab, finished or not. */
  bySite: Record<string, TrackedOperation>;
  /** Increases whenever an operation finishes, so pages showing its target load again. */
  settledCount: number;
  track(operation: Operation, label: string): void;
  forget(siteName: string): void;
}

const OperationsContext = createContext<OperationsState | null>(null);

/**
 * Operations being followed survive a reload of the tab (they hold ids, no credentials), so the
 * page goes on showing "Stopping blog: waiting for the host" instead of forgetting it.
 */
export const OPERATIONS_KEY = 'berth.operations';

function restore(): Record<string, TrackedOperation> {
  try {
    const saved = JSON.parse(sessionStorage.getItem(OPERATIONS_KEY) ?? '{}') as Record<string, { operation: unknown; label: string }>;
    return Object.fromEntries(Object.entries(saved).map(([site, tracked]) =>
      [site, { label: tracked.label, operation: OperationFromJSON(tracked.operation) }]));
  } catch {
    return {};
  }
}

function save(bySite: Record<string, TrackedOperation>): void {
  const open = Object.entries(bySite).filter(([, tracked]) => !isFinished(tracked.operation));
  if (open.length === 0) {
    sessionStorage.removeItem(OPERATIONS_KEY);
    return;
  }
  sessionStorage.setItem(OPERATIONS_KEY, JSON.stringify(Object.fromEntries(open.map(([site, tracked]) =>
    [site, { label: tracked.label, operation: OperationToJSON(tracked.operation) }]))));
}

export function useOperations(): OperationsState {
  const state = useContext(OperationsContext);
  if (state === null) {
    throw new Error('useOperations outside OperationsProvider');
  }
  return state;
}

export function isFinished(operation: Operation): boolean {
  return operation.status === 'succeeded' || operation.status === 'failed';
}

function announcement(tracked: TrackedOperation): string {
  return tracked.operation.status === 'succeeded'
    ? `${tracked.label}: done.`
    : `${tracked.label}: failed${tracked.operation.error ? ` (${tracked.operation.error})` : ''}.`;
}

/**
 * Follows long-running operations (start, stop, delete) in the background with
 * GET /operations/{id}, so that no page waits on one; announces each end to screen readers.
 */
export function OperationsProvider({ children }: { children: ReactNode }) {
  const { api, status } = useAuth();
  const [bySite, setBySite] = useState<Record<string, TrackedOperation>>(restore);
  const [settledCount, setSettledCount] = useState(0);
  const [announced, setAnnounced] = useState('');
  const bySiteRef = useRef(bySite);
  bySiteRef.current = bySite;

  const track = useCallback((operation: Operation, label: string) => {
    const site = operation.target ?? operation.id;
    setBySite((current) => ({ ...current, [site]: { operation, label } }));
  }, []);

  const forget = useCallback((siteName: string) => {
    setBySite((current) => {
      const { [siteName]: _dropped, ...rest } = current;
      return rest;
    });
  }, []);

  useEffect(() => {
    if (status === 'signedOut') {
      sessionStorage.removeItem(OPERATIONS_KEY);
      setBySite((current) => (Object.keys(current).length === 0 ? current : {}));
    } else {
      save(bySite);
    }
  }, [bySite, status]);

  const pending = Object.values(bySite).some((tracked) => !isFinished(tracked.operation));

  useEffect(() => {
    if (!pending || status !== 'signedIn') {
      return undefined;
    }
    const timer = setTimeout(async () => {
      const open = Object.entries(bySiteRef.current).filter(([, tracked]) => !isFinished(tracked.operation));
      for (const [site, tracked] of open) {
        try {
          const latest = await api.operations.getOperation({ operationId: tracked.operation.id });
          if (latest.updatedAt?.getTime() === tracked.operation.updatedAt?.getTime() && latest.status === tracked.operation.status) {
            continue;
          }
          const next = { ...tracked, operation: latest };
          setBySite((current) => (current[site]?.operation.id === latest.id ? { ...current, [site]: next } : current));
          if (isFinished(latest)) {
            setSettledCount((count) => count + 1);
            setAnnounced(announcement(next));
          }
        } catch (failure) {
          const problem = await readProblem(failure);
          if (problem.status === 404) {
            // The operation's site is gone (a delete finished): nothing more to follow.
            const gone = { ...tracked, operation: { ...tracked.operation, status: 'succeeded' as const } };
            setBySite((current) => ({ ...current, [site]: gone }));
            setSettledCount((count) => count + 1);
            setAnnounced(announcement(gone));
          }
        }
      }
      // A new object makes the effect run again for whatever is still open.
      setBySite((current) => ({ ...current }));
    }, OPERATION_POLL_MS);
    return () => clearTimeout(timer);
  }, [bySite, pending, status, api]);

  const value = useMemo(() => ({ bySite, settledCount, track, forget }), [bySite, settledCount, track, forget]);
  return (
    <OperationsContext.Provider value={value}>
      {children}
      <div className="visually-hidden" role="status" aria-live="polite">{announced}</div>
    </OperationsContext.Provider>
  );
}
