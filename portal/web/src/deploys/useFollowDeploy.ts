import { useCallback, useEffect, useState } from 'react';
import type { Deploy } from '@berth/api';
import { useApi } from '../auth/AuthProvider';
import { announceDeploysChanged } from './events';
import { isDeployFinished } from './DeployStatus';

/** How often a deploy that is still moving is looked at. */
export const DEPLOY_POLL_MS = 1500;

/**
 * Follows one deploy with GET /sites/{site}/deploys/{id} until it is live or failed, in the
 * background: nothing waits on it. Each change is announced so the history loads again.
 */
export function useFollowDeploy(siteName: string): { deploy: Deploy | null; follow(deploy: Deploy | null): void } {
  const api = useApi();
  const [deploy, setDeploy] = useState<Deploy | null>(null);
  const follow = useCallback((next: Deploy | null) => {
    setDeploy(next);
    announceDeploysChanged(siteName);
  }, [siteName]);

  useEffect(() => {
    if (deploy === null || isDeployFinished(deploy.status)) {
      return undefined;
    }
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const latest = await api.deploys.getDeploy({ siteName, deployId: deploy.id });
        if (cancelled) {
          return;
        }
        if (latest.status !== deploy.status) {
          announceDeploysChanged(siteName);
        }
        setDeploy(latest);
      } catch {
        // A lost answer is retried at the next tick.
        if (!cancelled) {
          setDeploy({ ...deploy });
        }
      }
    }, DEPLOY_POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [deploy, api, siteName]);

  return { deploy, follow };
}
