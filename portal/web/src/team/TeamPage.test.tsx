import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Route } from 'react-router';
import { TeamPage } from './TeamPage';
import { AcceptInvitationPage } from './AcceptInvitationPage';
import { FakeApi, ME, json } from '../test/fakeApi';
import { renderPublic, renderSignedIn } from '../test/render';
import { REFRESH_TOKEN_KEY } from '../auth/session';

const owner = { userId: ME.userId, email: ME.email, role: 'owner', joinedAt: '2026-11-01T10:00:00Z' };
const grace = { userId: '00000000-0000-0000-0000-000000000002', email: 'grace@example.com', role: 'developer', joinedAt: '2026-11-02T10:00:00Z' };
const pending = { id: '33333333-3333-3333-3333-333333333333', email: 'linus@example.com', role: 'viewer',
  createdAt: '2026-12-01T10:00:00Z', expiresAt: '2026-12-08T10:00:00Z', invitedBy: ME.email };

describe('TeamPage', () => {
  it('lets the owner invite, change a role and revoke an invitation, and offers the transfer of ownership', async () => {
    let invitations: unknown[] = [];
    let members: unknown[] = [owner, grace];
    const fake = new FakeApi()
      .on('GET', '/tenant/members', () => json(200, { items: members }))
      .on('GET', '/tenant/invitations', () => json(200, { items: invitations }))
      .on('POST', '/tenant/invitations', () => {
        invitations = [pending];
        return json(201, pending);
      })
      .on('PATCH', `/tenant/members/${grace.userId}`, () => {
        members = [owner, { ...grace, role: 'admin' }];
        return json(200, members[1]);
      })
      .on('DELETE', `/tenant/invitations/${pending.id}`, () => {
        invitations = [];
        return new Response(null, { status: 204 });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <TeamPage />);

    const list = await screen.findByRole('list', { name: 'Members' });
    await waitFor(() => expect(within(list).getByText('grace@example.com')).toBeInTheDocument());
    expect(within(list).queryByRole('button', { name: `Remove ${ME.email}` })).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('E-mail address'), 'linus@example.com');
    await user.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(await screen.findByText('Invitation sent to linus@example.com.')).toBeInTheDocument();
    expect(fake.sent('POST', '/tenant/invitations')[0].body).toEqual({ email: 'linus@example.com', role: 'viewer' });
    await screen.findByRole('button', { name: 'Revoke linus@example.com' });

    await user.selectOptions(screen.getByLabelText('Role of grace@example.com'), 'admin');
    expect(await screen.findByText('grace@example.com is now admin.')).toBeInTheDocument();
    expect(fake.sent('PATCH', '/tenant/members/')[0].body).toEqual({ role: 'admin' });
    expect(screen.getByRole('button', { name: 'Make grace@example.com the owner' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Revoke linus@example.com' }));
    expect(await screen.findByText('The invitation of linus@example.com was revoked.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText('No pending invitations.')).toBeInTheDocument());
  });

  it('shows a viewer the team without any action', async () => {
    const fake = new FakeApi().on('GET', '/tenant/members', () => json(200, { items: [owner, grace] }));
    renderSignedIn(fake, <TeamPage />, { me: { ...ME, role: 'viewer' } });
    const list = await screen.findByRole('list', { name: 'Members' });
    await waitFor(() => expect(within(list).getByText('grace@example.com')).toBeInTheDocument());
    expect(screen.getAllByRole('button').map((button) => button.textContent)).toEqual(['Leave this team…']);
    expect(screen.queryByLabelText('E-mail address')).not.toBeInTheDocument();
    expect(fake.sent('GET', '/tenant/invitations')).toHaveLength(0);
  });

  it('lets a member leave after saying what it means, and ends the session', async () => {
    const fake = new FakeApi()
      .on('GET', '/tenant/members', () => json(200, { items: [owner, grace] }))
      .on('POST', '/tenant/leave', () => new Response(null, { status: 204 }));
    const user = userEvent.setup();
    renderSignedIn(fake, <TeamPage />, { me: { ...ME, role: 'developer' } });
    await user.click(await screen.findByRole('button', { name: 'Leave this team…' }));
    expect(screen.getByText(/Your account, its sessions and its tokens are removed/)).toBeInTheDocument();
    expect(fake.sent('POST', '/tenant/leave')).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Leave and remove my account' }));
    await waitFor(() => expect(fake.sent('POST', '/tenant/leave')).toHaveLength(1));
    await waitFor(() => expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull());
  });

  it('offers the owner no way to leave', async () => {
    const fake = new FakeApi()
      .on('GET', '/tenant/members', () => json(200, { items: [owner] }))
      .on('GET', '/tenant/invitations', () => json(200, { items: [] }));
    renderSignedIn(fake, <TeamPage />);
    await screen.findByRole('list', { name: 'Members' });
    expect(screen.queryByRole('button', { name: 'Leave this team…' })).not.toBeInTheDocument();
  });

  it('marks an expired invitation and resends it with a new link', async () => {
    const expired = { ...pending, expiresAt: '2026-01-08T10:00:00Z' };
    const renewed = { ...pending, id: '44444444-4444-4444-4444-444444444444', expiresAt: '2099-12-08T10:00:00Z' };
    let invitations: unknown[] = [expired];
    const fake = new FakeApi()
      .on('GET', '/tenant/members', () => json(200, { items: [owner] }))
      .on('GET', '/tenant/invitations', () => json(200, { items: invitations }))
      .on('POST', `/tenant/invitations/${pending.id}/resend`, () => {
        invitations = [renewed];
        return json(201, renewed);
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <TeamPage />);
    await screen.findByRole('list', { name: 'Members' });
    const list = await screen.findByRole('list', { name: 'Pending invitations' }, { timeout: 5000 });
    expect(within(list).getByText(/^expired /)).toBeInTheDocument();
    await user.click(within(list).getByRole('button', { name: 'Resend to linus@example.com' }));
    expect(await screen.findByText('The invitation was sent to linus@example.com again, with a new link.')).toBeInTheDocument();
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Pending invitations' })).queryByText(/^expired /)).not.toBeInTheDocument());
    expect(fake.sent('POST', `/tenant/invitations/${pending.id}/resend`)).toHaveLength(1);
  });
});

describe('AcceptInvitationPage', () => {
  it('creates the account with the token from the link and sends the new member to log in', async () => {
    const fake = new FakeApi().on('POST', '/invitations/berth_inv_abc/accept',
      () => json(201, { email: 'grace@example.com', tenantName: 'ada', role: 'developer' }));
    const user = userEvent.setup();
    renderPublic(fake, '/invitations/accept#token=berth_inv_abc', <Route path="/invitations/accept" element={<AcceptInvitationPage />} />);
    await user.type(screen.getByLabelText('Password'), 'a long new password');
    await user.type(screen.getByLabelText('Password again'), 'a long new password');
    await user.click(screen.getByRole('button', { name: 'Join the team' }));
    expect(await screen.findByText(/You joined ada as developer/)).toBeInTheDocument();
    expect(fake.sent('POST', '/invitations/')[0].body).toEqual({ password: 'a long new password' });
  });

  it('says when the address already has an account, and sends nothing for a short password', async () => {
    const fake = new FakeApi().on('POST', '/invitations/berth_inv_abc/accept', () => json(409, {
      type: 'https://berth.dev/problems/account-exists', title: 'An account with this e-mail address exists', status: 409,
      detail: 'grace@example.com already has an account' }));
    const user = userEvent.setup();
    renderPublic(fake, '/invitations/accept#token=berth_inv_abc', <Route path="/invitations/accept" element={<AcceptInvitationPage />} />);
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Join the team' }));
    expect(fake.sent('POST', '/invitations/')).toHaveLength(0);
    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'a long new password');
    await user.type(screen.getByLabelText('Password again'), 'a long new password');
    await user.click(screen.getByRole('button', { name: 'Join the team' }));
    expect(await screen.findByText(/already has an account/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Log in' })).toBeInTheDocument();
  });
});
