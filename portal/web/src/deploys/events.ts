import { useEffect, useRef } from 'react';

/**
 * "A site's deploys changed": the upload, the history and the Git sections are separate sections
 * of the site page; this lets the history load again as soon as an upload or a rollback moves on.
 */
const changes = new EventTarget();

export function announceDeploysChanged(siteName: string): void {
  changes.dispatchEvent(new CustomEvent<string>('changed', { detail: siteName }));
}

export function useDeploysChanged(siteName: string, onChange: () => void): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    const listener = (event: Event) => {
      if ((event as CustomEvent<string>).detail === siteName) {
        callback.current();
      }
    };
    changes.addEventListener('changed', listener);
    return () => changes.removeEventListener('changed', listener);
  }, [siteName]);
}
