import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AccountPage } from './AccountPage';
import { FakeApi, json } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const mine = { id: '33333333-3333-3333-3333-333333333333', createdAt: '2026-12-05T10:00:00Z', lastUsedAt: '2026-12-05T11:00:00Z',
  expiresAt: '2026-12-06T11:00:00Z', userAgent: 'Firefox on this laptop', clientAddress: '192.0.2.1', current: true };
const phone = { id: '44444444-4444-4444-4444-444444444444', createdAt: '2026-12-04T10:00:00Z', lastUsedAt: '2026-12-04T12:00:00Z',
  expiresAt: '2026-12-05T12:00:00Z', userAgent: 'Phone browser', clientAddress: '198.51.100.9', current: false };

describe('AccountPage', () => {
  it('changes the password and shows that the other sessions were signed out', async () => {
    let items: unknown[] = [mine, phone];
    const fake = new FakeApi()
      .on('GET', '/me/sessions', () => json(200, { items }))
      .on('PUT', '/me/password', () => {
        items = [mine];
        return new Response(null, { status: 204 });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <AccountPage />);
    expect(await screen.findByText('Phone browser')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Current password'), 'correct horse battery');
    await user.type(screen.getByLabelText('New password', { exact: true }), 'a brand new passphrase');
    await user.type(screen.getByLabelText('New password again'), 'a brand new passphrase');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Password changed. Your other sessions were signed out.')).toBeInTheDocument();
    expect(fake.sent('PUT', '/me/password')[0].body).toEqual({ currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' });
    await waitFor(() => expect(screen.queryByText('Phone browser')).not.toBeInTheDocument());
    expect(screen.getByLabelText('Current password')).toHaveValue('');
  });

  it('puts a wrong current password next to its field and checks the new one before sending', async () => {
    const fake = new FakeApi()
      .on('GET', '/me/sessions', () => json(200, { items: [mine] }))
      .on('PUT', '/me/password', () => json(403, { type: 'https://berth.dev/problems/wrong-password', title: 'The current password is wrong',
        status: 403, detail: 'the current password is wrong; nothing was changed' }));
    const user = userEvent.setup();
    renderSignedIn(fake, <AccountPage />);
    await user.type(await screen.findByLabelText('Current password'), 'nope');
    await user.type(screen.getByLabelText('New password', { exact: true }), 'short');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByText('Use at least 12 characters (5 so far).')).toBeInTheDocument();
    expect(fake.sent('PUT', '/me/password')).toHaveLength(0);

    await user.type(screen.getByLabelText('New password', { exact: true }), ' but longer now');
    await user.type(screen.getByLabelText('New password again'), 'short but different');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByText('The two new passwords differ.')).toBeInTheDocument();
    expect(fake.sent('PUT', '/me/password')).toHaveLength(0);

    await user.clear(screen.getByLabelText('New password again'));
    await user.type(screen.getByLabelText('New password again'), 'short but longer now');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('The current password is wrong.')).toBeInTheDocument();
    expect(screen.getByLabelText('Current password')).toHaveAccessibleDescription('The current password is wrong.');
  });

  it('lists the sessions, marks this one, and signs another out', async () => {
    let items: unknown[] = [mine, phone];
    const fake = new FakeApi()
      .on('GET', '/me/sessions', () => json(200, { items }))
      .on('DELETE', `/me/sessions/${phone.id}`, () => {
        items = [mine];
        return new Response(null, { status: 204 });
      });
    renderSignedIn(fake, <AccountPage />);
    const list = await screen.findByRole('list', { name: 'Your sessions' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2));
    const current = within(list).getByText('Firefox on this laptop').closest('li') as HTMLElement;
    expect(within(current).getByText('This session')).toBeInTheDocument();
    expect(within(current).queryByRole('button')).not.toBeInTheDocument();
    const other = within(list).getByText('Phone browser').closest('li') as HTMLElement;
    expect(within(other).getByText('198.51.100.9')).toBeInTheDocument();
    await userEvent.click(within(other).getByRole('button', { name: /^Sign out Phone browser/ }));
    expect(await screen.findByText('That session was signed out.')).toBeInTheDocument();
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1));
    expect(fake.sent('DELETE', '/me/sessions/')).toHaveLength(1);
  });
});
