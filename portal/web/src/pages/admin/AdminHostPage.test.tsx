import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AdminHostPage } from './AdminHostPage';
import { FakeApi, ME, json } from '../../test/fakeApi';
import { renderSignedIn } from '../../test/render';

const admin = { ...ME, platformAdmin: true };

describe('AdminHostPage', () => {
  it('shows the host healthy with its capacity and versions', async () => {
    const fake = new FakeApi().on('GET', '/admin/host', () => json(200, {
      reachable: true, healthy: true, checkedAt: '2026-11-29T10:00:00Z', cpus: 2, memTotalBytes: 4 * 1024 ** 3,
      memAvailableBytes: 3 * 1024 ** 3, sites: 3, runningSites: 2, failedSites: 1, runcVersion: 'runc version 1.1.5',
      nginxVersion: 'nginx version: nginx/1.22.1', cgroupMode: 'v1', bridge: 'berth0', ipv4Forwarding: '0', ipv6Forwarding: '0',
      proxyRunning: true, certificates: [],
    }));
    renderSignedIn(fake, <AdminHostPage />, { me: admin });
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(screen.getByText('3 (2 running, 1 failed)')).toBeInTheDocument();
    expect(screen.getByText('runc version 1.1.5')).toBeInTheDocument();
    expect(screen.getByRole('meter', { name: 'Memory in use' })).toHaveAttribute('aria-valuetext', '1 GiB of 4 GiB');
    expect(screen.getAllByText('off')).toHaveLength(2);
  });

  it('says plainly when hostd cannot be reached', async () => {
    const fake = new FakeApi().on('GET', '/admin/host', () => json(200, {
      reachable: false, healthy: false, checkedAt: '2026-11-29T10:00:00Z',
      error: 'cannot read host status: hostd unreachable (connection refused)',
    }));
    renderSignedIn(fake, <AdminHostPage />, { me: admin });
    expect(await screen.findByText('Unreachable')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('hostd cannot be reached: cannot read host status');
  });
});
