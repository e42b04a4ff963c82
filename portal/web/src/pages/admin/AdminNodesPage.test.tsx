import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AdminNodesPage } from './AdminNodesPage';
import { FakeApi, ME, json } from '../../test/fakeApi';
import { renderSignedIn } from '../../test/render';

const admin = { ...ME, platformAdmin: true };
const local = {
  name: 'local', url: 'unix:///run/berth/hostd.sock', state: 'ready', capacitySites: 10000, sites: 12,
  lastSeenAt: '2026-12-06T01:40:02Z', createdAt: '2026-12-01T00:00:00Z',
};
const lost = {
  name: 'node2', url: 'https://node2.example.net:8443', state: 'lost', capacitySites: 2000, sites: 0,
  lastError: 'connection refused', createdAt: '2026-12-02T00:00:00Z',
};

describe('AdminNodesPage', () => {
  it('lists each node with its state, sites against capacity and why a lost one is silent', async () => {
    const fake = new FakeApi().on('GET', '/admin/nodes', () => json(200, { items: [local, lost] }));
    renderSignedIn(fake, <AdminNodesPage />, { me: admin });
    expect(await screen.findByText('12 of 10000')).toBeInTheDocument();
    expect(screen.getByText('connection refused')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove node2' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove local' })).toBeNull();
  });

  it('cordons a node and shows a join token once', async () => {
    let state = 'ready';
    const fake = new FakeApi()
      .on('GET', '/admin/nodes', () => json(200, { items: [{ ...local, state }] }))
      .on('POST', '/admin/nodes/local/cordon', () => { state = 'cordoned'; return json(200, { ...local, state }); })
      .on('POST', '/admin/nodes/join-tokens', () => json(201, { token: 'bjn_secret', expiresAt: '2026-12-06T03:00:00Z' }));
    renderSignedIn(fake, <AdminNodesPage />, { me: admin });
    fireEvent.click(await screen.findByRole('button', { name: 'Cordon local' }));
    expect(await screen.findByText('local takes no new site.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Uncordon local' })).toBeInTheDocument());
    fireEvent.click(screen.getByRole('button', { name: 'Make a join token' }));
    expect(await screen.findByTestId('join-token')).toHaveTextContent('bjn_secret');
  });
});
