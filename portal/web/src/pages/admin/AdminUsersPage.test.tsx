import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AdminUsersPage } from './AdminUsersPage';
import { FakeApi, ME, json } from '../../test/fakeApi';
import { renderSignedIn } from '../../test/render';

const ADMIN = { ...ME, platformAdmin: true };
const BOB_ID = '00000000-0000-0000-0000-0000000000bb';

function user(overrides: Record<string, unknown> = {}) {
  return { id: BOB_ID, email: 'bob@example.com', tenantId: '00000000-0000-0000-0000-0000000000cc', tenantName: 'bob',
    role: 'owner', platformAdmin: false, createdAt: '2026-11-29T10:00:00Z', ...overrides };
}
const SELF = user({ id: ME.userId, email: ME.email, tenantName: 'platform', platformAdmin: true });

describe('AdminUsersPage', () => {
  it('disables an account, shows it disabled, and enables it again; the admin is offered nothing on its own row', async () => {
    let bob = user();
    const fake = new FakeApi()
      .on('GET', '/admin/users', () => json(200, { items: [bob, SELF] }))
      .on('PATCH', `/admin/users/${BOB_ID}`, (request) => {
        const disabled = (request.body as { disabled: boolean }).disabled;
        bob = disabled ? user({ disabledAt: '2026-12-06T05:00:00Z' }) : user();
        return json(200, bob);
      });
    const clicks = userEvent.setup();
    renderSignedIn(fake, <AdminUsersPage />, { me: ADMIN });

    const table = await screen.findByRole('table', { name: 'Users' });
    await waitFor(() => expect(within(table).getByText('bob@example.com')).toBeInTheDocument());
    const own = table.querySelector(`[data-user="${ME.email}"]`) as HTMLElement;
    expect(within(own).queryByRole('button')).not.toBeInTheDocument();

    await clicks.click(within(table).getByRole('button', { name: 'Disable bob@example.com' }));
    expect(await screen.findByText('bob@example.com is disabled: its sessions ended and its tokens are refused.')).toBeInTheDocument();
    expect(fake.sent('PATCH', `/admin/users/${BOB_ID}`)[0].body).toEqual({ disabled: true });
    expect(await within(table).findByText(/^Disabled since /)).toBeInTheDocument();

    await clicks.click(within(table).getByRole('button', { name: 'Enable bob@example.com' }));
    expect(await screen.findByText('bob@example.com can log in again.')).toBeInTheDocument();
    expect(fake.sent('PATCH', `/admin/users/${BOB_ID}`)[1].body).toEqual({ disabled: false });
  });

  it('removes an account only after a second click, and shows why the API refused', async () => {
    const fake = new FakeApi()
      .on('GET', '/admin/users', () => json(200, { items: [user(), SELF] }))
      .on('DELETE', `/admin/users/${BOB_ID}`, () => json(409, {
        type: 'https://berth.dev/problems/tenant-owner', title: 'The account is the only owner of a tenant with other members or sites',
        status: 409, detail: 'bob@example.com is the only owner of the tenant bob, which has 0 other member(s) and 1 site(s)' }));
    const clicks = userEvent.setup();
    renderSignedIn(fake, <AdminUsersPage />, { me: ADMIN });

    await clicks.click(await screen.findByRole('button', { name: 'Remove bob@example.com…' }));
    expect(fake.sent('DELETE', '/admin/users/')).toHaveLength(0);
    await clicks.click(screen.getByRole('button', { name: 'Remove bob@example.com for good' }));
    expect(await screen.findByText(/Could not remove bob@example.com\. .*only owner of the tenant bob/)).toBeInTheDocument();
    expect(fake.sent('DELETE', `/admin/users/${BOB_ID}`)).toHaveLength(1);
  });
});
