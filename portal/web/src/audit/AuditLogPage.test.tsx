import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AdminAuditPage, TenantAuditPage, localToUtc } from './AuditLogPage';
import { FakeApi, ME, json } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const ADMIN = { ...ME, platformAdmin: true };
const BOB_TENANT = '00000000-0000-0000-0000-0000000000cc';
const BOB_ID = '00000000-0000-0000-0000-0000000000bb';

function entry(index: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
    time: new Date(Date.UTC(2026, 11, 6, 10, 0, 60 - index)).toISOString(),
    actorType: 'user', actorId: ME.userId, actorLabel: ME.email, tenantId: BOB_TENANT,
    action: 'createSite', target: `site-${index}`, clientAddress: '203.0.113.7', outcome: 'success', status: 201,
    ...overrides,
  };
}

function query(path: string): URLSearchParams {
  return new URLSearchParams(path.split('?')[1] ?? '');
}

describe('AdminAuditPage', () => {
  it('lists the newest entries with the tenant by name, the suspension reason as detail, and pages with the cursor', async () => {
    const fake = new FakeApi()
      .on('GET', '/admin/tenants', () => json(200, { items: [{ id: BOB_TENANT, name: 'bob', createdAt: '2026-11-01T00:00:00Z' }] }))
      .on('GET', '/admin/users', () => json(200, { items: [] }))
      .on('GET', '/admin/audit', (request) => (query(request.path).get('cursor') === 'page-2'
        ? json(200, { items: [entry(3, { action: 'login', actorType: 'anonymous', actorId: undefined, actorLabel: 'eve@example.com',
          outcome: 'denied', status: 401, tenantId: undefined })] })
        : json(200, { items: [entry(1, { action: 'adminSuspendTenant', target: BOB_TENANT, status: 200, detail: 'phishing pages' }),
          entry(2, { actorType: 'token', actorLabel: 'ci (bob@example.com)' })], nextCursor: 'page-2' })));
    const clicks = userEvent.setup();
    renderSignedIn(fake, <AdminAuditPage />, { me: ADMIN });

    const table = await screen.findByRole('table', { name: 'Audit log' });
    const suspension = await within(table).findByText('adminSuspendTenant');
    const row = suspension.closest('tr') as HTMLElement;
    expect(within(row).getByText('phishing pages')).toBeInTheDocument();
    // The tenant column, and the target (the suspended tenant's id) by name.
    await waitFor(() => expect(within(row).getAllByText('bob')).toHaveLength(2));
    expect(within(row).queryByText(BOB_TENANT)).not.toBeInTheDocument();
    expect(within(row).getByText('Done (200)')).toBeInTheDocument();
    expect(within(table).getByText('ci (bob@example.com) (access token)')).toBeInTheDocument();
    expect(screen.getByText('2 entries shown, older ones follow')).toBeInTheDocument();
    expect(query(fake.sent('GET', '/admin/audit')[0].path).get('limit')).toBe('50');

    await clicks.click(screen.getByRole('button', { name: 'Show older entries' }));
    expect(await within(table).findByText('eve@example.com (not signed in)')).toBeInTheDocument();
    expect(within(table).getByText('Refused (401)')).toBeInTheDocument();
    expect(screen.getByText('3 entries shown')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show older entries' })).not.toBeInTheDocument();
  });

  it('sends the chosen tenant, actor, action and time range, and the same filters with the next page\'s cursor', async () => {
    const fake = new FakeApi()
      .on('GET', '/admin/tenants', () => json(200, { items: [{ id: BOB_TENANT, name: 'bob', createdAt: '2026-11-01T00:00:00Z' }] }))
      .on('GET', '/admin/users', () => json(200, { items: [{ id: BOB_ID, email: 'bob@example.com', tenantId: BOB_TENANT,
        tenantName: 'bob', role: 'owner', platformAdmin: false, createdAt: '2026-11-01T00:00:00Z' }] }))
      .on('GET', '/admin/audit', (request) => json(200, query(request.path).get('cursor')
        ? { items: [entry(9)] } : { items: [entry(1)], nextCursor: 'next' }));
    const clicks = userEvent.setup();
    renderSignedIn(fake, <AdminAuditPage />, { me: ADMIN });
    await screen.findByRole('table', { name: 'Audit log' });

    await waitFor(() => expect(screen.getByRole('option', { name: 'bob@example.com' })).toBeInTheDocument());
    await clicks.selectOptions(screen.getByLabelText('Tenant'), 'bob');
    await clicks.selectOptions(screen.getByLabelText('Who'), 'bob@example.com');
    await clicks.type(screen.getByLabelText('Action'), 'adminStopSite');
    await clicks.type(screen.getByLabelText('Since'), '2026-12-05T08:00');
    await clicks.type(screen.getByLabelText('Until'), '2026-12-06T08:00');
    await clicks.click(screen.getByRole('button', { name: 'Show entries' }));

    await waitFor(() => expect(fake.sent('GET', '/admin/audit')).toHaveLength(2));
    const sent = query(fake.sent('GET', '/admin/audit')[1].path);
    expect(sent.get('tenantId')).toBe(BOB_TENANT);
    expect(sent.get('actorId')).toBe(BOB_ID);
    expect(sent.get('action')).toBe('adminStopSite');
    expect(sent.get('since')).toBe(localToUtc('2026-12-05T08:00'));
    expect(sent.get('until')).toBe(localToUtc('2026-12-06T08:00'));
    expect(sent.get('cursor')).toBeNull();

    await clicks.click(await screen.findByRole('button', { name: 'Show older entries' }));
    await waitFor(() => expect(fake.sent('GET', '/admin/audit')).toHaveLength(3));
    const next = query(fake.sent('GET', '/admin/audit')[2].path);
    expect(next.get('cursor')).toBe('next');
    expect(next.get('tenantId')).toBe(BOB_TENANT);
    expect(next.get('action')).toBe('adminStopSite');

    await clicks.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(fake.sent('GET', '/admin/audit')).toHaveLength(4));
    expect([...query(fake.sent('GET', '/admin/audit')[3].path).keys()]).toEqual(['limit']);
    expect(screen.getByLabelText('Action')).toHaveValue('');
  });

  it('checks the action and the time range before asking, and shows the API\'s refusal at its field', async () => {
    const fake = new FakeApi()
      .on('GET', '/admin/tenants', () => json(200, { items: [] }))
      .on('GET', '/admin/users', () => json(200, { items: [] }))
      .on('GET', '/admin/audit', (request) => (query(request.path).get('since')
        ? json(400, { type: 'https://berth.dev/problems/validation', title: 'Invalid request', status: 400,
          errors: [{ field: 'since', message: 'must be an RFC 3339 time' }] })
        : json(200, { items: [] })));
    const clicks = userEvent.setup();
    renderSignedIn(fake, <AdminAuditPage />, { me: ADMIN });
    expect(await screen.findByText('No entry matches.')).toBeInTheDocument();

    await clicks.type(screen.getByLabelText('Action'), 'create-site');
    await clicks.type(screen.getByLabelText('Since'), '2026-12-06T08:00');
    await clicks.type(screen.getByLabelText('Until'), '2026-12-05T08:00');
    await clicks.click(screen.getByRole('button', { name: 'Show entries' }));
    expect(screen.getByText('The action is an operation name of letters only, for example adminSuspendTenant.')).toBeInTheDocument();
    expect(screen.getByText('"Until" must be after "Since".')).toBeInTheDocument();
    expect(screen.getByLabelText('Until')).toHaveAttribute('aria-invalid', 'true');
    expect(fake.sent('GET', '/admin/audit')).toHaveLength(1);

    await clicks.clear(screen.getByLabelText('Action'));
    await clicks.clear(screen.getByLabelText('Until'));
    await clicks.click(screen.getByRole('button', { name: 'Show entries' }));
    expect(await screen.findByText('Since must be an RFC 3339 time.')).toBeInTheDocument();
    expect(screen.getByLabelText('Since')).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('TenantAuditPage', () => {
  it('lists the tenant\'s own entries without a tenant column and pages with the cursor', async () => {
    const fake = new FakeApi()
      .on('GET', '/audit', (request) => (query(request.path).get('cursor')
        ? json(200, { items: [entry(5, { action: 'deleteSite' })] })
        : json(200, { items: [entry(4, { action: 'stopSite', outcome: 'failure', status: 409 })], nextCursor: 'c2' })));
    const clicks = userEvent.setup();
    renderSignedIn(fake, <TenantAuditPage />);

    const table = await screen.findByRole('table', { name: 'Audit log' });
    expect(await within(table).findByText('stopSite')).toBeInTheDocument();
    expect(within(table).getByText('Failed (409)')).toBeInTheDocument();
    expect(within(table).queryByRole('columnheader', { name: 'Tenant' })).not.toBeInTheDocument();
    await clicks.click(screen.getByRole('button', { name: 'Show older entries' }));
    expect(await within(table).findByText('deleteSite')).toBeInTheDocument();
    expect(query(fake.sent('GET', '/audit')[1].path).get('cursor')).toBe('c2');
  });

  it('says why when the member may not read the log', async () => {
    const fake = new FakeApi()
      .on('GET', '/audit', () => json(403, { type: 'https://berth.dev/problems/forbidden', title: 'Forbidden', status: 403,
        detail: 'Only the tenant\'s owner and admins may read its audit log' }));
    renderSignedIn(fake, <TenantAuditPage />, { me: { ...ME, role: 'developer' } });
    expect(await screen.findByRole('alert')).toHaveTextContent(/Could not load the audit log\. Only the tenant's owner and admins/);
  });
});
