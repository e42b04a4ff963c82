import type { Deploy } from '@berth/api';

type Status = Deploy['status'];

const WORDS: Record<Status, string> = {
  queued: 'Queued',
  uploading: 'Uploading',
  unpacking: 'Unpacking',
  building: 'Building',
  installing: 'Installing',
  live: 'Live',
  failed: 'Failed',
  superseded: 'Replaced',
};

/** What each status means, for the line that follows a deploy. */
export const STATUS_SENTENCES: Record<Status, string> = {
  queued: 'waiting to be fetched',
  uploading: 'waiting for the files its manifest names',
  unpacking: 'being checked and unpacked',
  building: 'being built; its log follows the build',
  installing: 'being installed on the host',
  live: 'live: visitors see it now',
  failed: 'failed; the live site is unchanged',
  superseded: 'replaced by a later deploy',
};

const BADGE: Record<Status, string> = {
  queued: 'provisioning',
  uploading: 'provisioning',
  unpacking: 'provisioning',
  building: 'provisioning',
  installing: 'provisioning',
  live: 'running',
  failed: 'failed',
  superseded: 'stopped',
};

/** Whether a deploy has stopped moving: nothing more to follow. */
export function isDeployFinished(status: Status): boolean {
  return status === 'live' || status === 'failed' || status === 'superseded';
}

/** A deploy's status in words; colour and shape only repeat them (the site badge's styles). */
export function DeployStatus({ status }: { status: Status }) {
  return (
    <span className={`badge badge-${BADGE[status]}`} data-deploy-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {WORDS[status]}
    </span>
  );
}
