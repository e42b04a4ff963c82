import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AdminTenantsPage } from './AdminTenantsPage';
import { FakeApi, ME, json } from '../../test/fakeApi';
import { renderSignedIn } from '../../test/render';

const ADMIN = { ...ME, platformAdmin: true };
const QUOTA = { maxSites: 3, maxRunningSites: 3, cpuMillicores: 1000, memoryMib: 512, pids: 256, diskMib: 1024, maxUploadMib: 100,
  apiRequestsPerMinute: 600 };
const ID = '00000000-0000-0000-0000-0000000000bb';

function tenant(overrides: Record<string, unknown> = {}) {
  return { id: ID, name: 'bob', createdAt: '2026-11-29T10:00:00Z', quota: QUOTA, usage: { sites: 1, runningSites: 1 }, ...overrides };
}

describe('AdminTenantsPage', () => {
  it('suspends a tenant with the typed reason, then shows the suspension and unsuspends it', async () => {
    let current = tenant();
    const fake = new FakeApi()
      .on('GET', '/admin/tenants', () => json(200, { items: [current] }))
      .on('POST', `/admin/tenants/${ID}/suspend`, (request) => {
        current = tenant({ suspendedAt: '2026-12-05T21:00:00Z', suspensionReason: (request.body as { reason: string }).reason });
        return json(200, current);
      })
      .on('POST', `/admin/tenants/${ID}/unsuspend`, () => {
        current = tenant();
        return json(200, current);
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <AdminTenantsPage />, { me: ADMIN });

    await user.click(await screen.findByRole('button', { name: 'Suspend bob…' }));
    await user.click(screen.getByRole('button', { name: 'Suspend' }));
    expect(await screen.findByText('Give a reason of 1 to 500 characters.')).toBeInTheDocument();
    expect(fake.sent('POST', `/admin/tenants/${ID}/suspend`)).toHaveLength(0);

    await user.type(screen.getByLabelText('Reason (the tenant sees it)'), '  phishing pages reported  ');
    await user.click(screen.getByRole('button', { name: 'Suspend' }));
    expect(await screen.findByText('bob is suspended.')).toBeInTheDocument();
    expect(fake.sent('POST', `/admin/tenants/${ID}/suspend`)[0].body).toEqual({ reason: 'phishing pages reported' });
    const card = within(screen.getByRole('list', { name: 'Tenants' }));
    expect(await card.findByText(/Suspended since .*: phishing pages reported/)).toBeInTheDocument();

    await user.click(card.getByRole('button', { name: 'Unsuspend bob' }));
    expect(await screen.findByText('bob is no longer suspended.')).toBeInTheDocument();
    expect(fake.sent('POST', `/admin/tenants/${ID}/unsuspend`)).toHaveLength(1);
    expect(await card.findByRole('button', { name: 'Suspend bob…' })).toBeInTheDocument();
  });
});
