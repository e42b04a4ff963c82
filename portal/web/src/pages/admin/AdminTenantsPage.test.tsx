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

  it('creates a tenant and invites its owner, and shows a refused name at its field', async () => {
    let items = [tenant()];
    const fake = new FakeApi()
      .on('GET', '/admin/tenants', () => json(200, { items }))
      .on('POST', '/admin/tenants', (request) => {
        const body = request.body as { tenantName: string; ownerEmail: string };
        if (body.tenantName === 'bob') {
          return json(409, { type: 'https://berth.dev/problems/name-taken', title: 'The name is already taken', status: 409,
            detail: "the tenant name 'bob' is taken", errors: [{ field: 'tenantName', message: 'is taken' }] });
        }
        const created = tenant({ id: '00000000-0000-0000-0000-0000000000cc', name: body.tenantName, usage: { sites: 0, runningSites: 0 } });
        items = [...items, created];
        return json(201, { tenant: created, invitation: { id: '00000000-0000-0000-0000-0000000000dd', email: body.ownerEmail,
          role: 'owner', createdAt: '2026-12-06T05:00:00Z', expiresAt: '2026-12-13T05:00:00Z' } });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <AdminTenantsPage />, { me: ADMIN });

    await user.type(await screen.findByLabelText('Tenant name'), 'bob');
    await user.type(screen.getByLabelText("Owner's e-mail address"), 'ceo@bob.example');
    await user.click(screen.getByRole('button', { name: 'Create tenant and invite its owner' }));
    expect(await screen.findByText(/Tenant name is taken/)).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Tenant name'));
    await user.type(screen.getByLabelText('Tenant name'), 'acme');
    await user.click(screen.getByRole('button', { name: 'Create tenant and invite its owner' }));
    expect(await screen.findByText('acme was created; an invitation to own it was mailed to ceo@bob.example.')).toBeInTheDocument();
    expect(fake.sent('POST', '/admin/tenants')[1].body).toEqual({ tenantName: 'acme', ownerEmail: 'ceo@bob.example' });
    expect(await screen.findByRole('heading', { level: 2, name: 'acme' })).toBeInTheDocument();
  });
});
