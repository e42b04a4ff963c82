import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { TokensPage } from './TokensPage';
import { FakeApi, json } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const listed = { id: '22222222-2222-2222-2222-222222222222', name: 'deploy', prefix: 'berth_pat_ab12', scopes: ['read', 'write'], createdAt: '2026-11-29T10:00:00Z' };

describe('TokensPage', () => {
  it('shows a new token\'s secret once, with a copy button, and lists it without the secret afterwards', async () => {
    let items: unknown[] = [];
    const fake = new FakeApi()
      .on('GET', '/tokens', () => json(200, { items }))
      .on('POST', '/tokens', () => {
        items = [listed];
        return json(201, { ...listed, token: 'berth_pat_ab12-the-whole-secret' });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <TokensPage />);
    await user.type(await screen.findByLabelText('Name'), 'deploy');
    await user.click(screen.getByLabelText('Write (create, start, stop, delete)'));
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const secret = await screen.findByLabelText('Token secret');
    expect(secret).toHaveValue('berth_pat_ab12-the-whole-secret');
    expect(fake.sent('POST', '/tokens')[0].body).toEqual({ name: 'deploy', scopes: ['read', 'write'], expiresInDays: 90 });

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(await screen.findByText('Copied.')).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe('berth_pat_ab12-the-whole-secret');

    await user.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.queryByLabelText('Token secret')).not.toBeInTheDocument();
    expect(screen.queryByText(/the-whole-secret/)).not.toBeInTheDocument();
    const list = await screen.findByRole('list', { name: 'Your tokens' });
    await waitFor(() => expect(within(list).getByText('deploy')).toBeInTheDocument());
  });

  it('revokes a token after a confirmation', async () => {
    let items: unknown[] = [listed];
    const fake = new FakeApi()
      .on('GET', '/tokens', () => json(200, { items }))
      .on('DELETE', `/tokens/${listed.id}`, () => {
        items = [];
        return new Response(null, { status: 204 });
      });
    renderSignedIn(fake, <TokensPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Revoke deploy' }));
    expect(await screen.findByText('Token deploy revoked.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText('You have no tokens.')).toBeInTheDocument());
    expect(fake.sent('DELETE', '/tokens/')).toHaveLength(1);
  });

  it('asks for a name and a permission before sending anything', async () => {
    const fake = new FakeApi().on('GET', '/tokens', () => json(200, { items: [] }));
    renderSignedIn(fake, <TokensPage />);
    await userEvent.click(await screen.findByLabelText('Read'));
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(screen.getByText('Give the token a name, such as “deploy script”.')).toBeInTheDocument();
    expect(screen.getByText('Choose at least one permission.')).toBeInTheDocument();
    expect(fake.sent('POST', '/tokens')).toHaveLength(0);
  });
});
