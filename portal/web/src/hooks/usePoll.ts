import { useCallback, useEffect, useRef, useState } from 'react';
import { readProblem, type ProblemView } from '../api/problems';

export interface Polled<T> {
  data: T | undefined;
  error: ProblemView | null;
  loading: boolean;
  /** Loads again now (after an action), then goes on polling. */
  reload(): void;
}

/**
 * Loads `load()` and loads it again after `nextDelayMs(data)` milliseconds, or stops when that is
 * null. Hidden tabs do not poll; they catch up when shown again. `key` changes restart it.
 */
export function usePoll<T>(load: () => Promise<T>, nextDelayMs: (data: T | undefined) => number | null, key: unknown = null): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ProblemView | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  const delayRef = useRef(nextDelayMs);
  loadRef.current = load;
  delayRef.current = nextDelayMs;
  const tickRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest: T | undefined;
    const schedule = () => {
      const delay = delayRef.current(latest);
      if (delay !== null && !cancelled) {
        timer = setTimeout(tick, delay);
      }
    };
    const tick = async () => {
      clearTimeout(timer);
      if (typeof document !== 'undefined' && document.hidden) {
        schedule();
        return;
      }
      try {
        latest = await loadRef.current();
        if (!cancelled) {
          setData(latest);
          setError(null);
        }
      } catch (failure) {
        const problem = await readProblem(failure);
        if (!cancelled) {
          setError(problem);
        }
      } finally {
        if (!cancelled) {
          setLoading(false);
          schedule();
        }
      }
    };
    const onVisible = () => {
      if (!document.hidden) {
        tick();
      }
    };
    tickRef.current = () => {
      tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key]);

  const reload = useCallback(() => tickRef.current(), []);
  return { data, error, loading, reload };
}
