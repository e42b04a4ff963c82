import type { DesiredState, ObservedState } from '@berth/api';

const WORDS: Record<ObservedState, string> = {
  provisioning: 'Provisioning',
  running: 'Running',
  stopped: 'Stopped',
  failed: 'Failed',
  deleting: 'Deleting',
};

/** Whether the host has yet to catch up with what the user asked for: worth polling for. */
export function isTransitional(observed: ObservedState, desired: DesiredState): boolean {
  if (observed === 'provisioning' || observed === 'deleting') {
    return true;
  }
  return observed !== 'failed' && observed !== desired;
}

/** Where a site is going when the host has not caught up yet ("stopping"), or null. */
export function heading(observed: ObservedState, desired: DesiredState): string | null {
  if (observed === 'deleting' || observed === 'failed' || observed === desired) {
    return null;
  }
  if (observed === 'provisioning') {
    return desired === 'stopped' ? 'stopping' : null;
  }
  return desired === 'running' ? 'starting' : 'stopping';
}

/** A site's state in words (colour and shape only repeat them): "Running, stopping". */
export function StateBadge({ observed, desired }: { observed: ObservedState; desired: DesiredState }) {
  const next = heading(observed, desired);
  return (
    <span className={`badge badge-${observed}`} data-state={observed}>
      <span className="badge-dot" aria-hidden="true" />
      {WORDS[observed]}
      {next ? `, ${next}` : null}
    </span>
  );
}
