import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from './App';
import { createApi } from './api/client';
import { AuthProvider } from './auth/AuthProvider';
import { REFRESH_TOKEN_KEY, Session } from './auth/session';
import { OperationsProvider } from './operations/OperationsProvider';
import { FakeApi, ME, json, site, tokenPair } from './test/fakeApi';

function renderApp(fake: FakeApi, path: string) {
  const session = new Session({ storage: sessionStorage, fetchApi: fake.fetch });
  render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider session={session} api={createApi(session, { fetchApi: fake.fetch })}>
        <OperationsProvider>
          <App />
        </OperationsProvider>
      </AuthProvider>
    </MemoryRouter>,
  );
}

describe('App', () => {
  it('sends a visitor without a session to the login page', async () => {
    renderApp(new FakeApi(), '/sites/blog');
    expect(await screen.findByRole('heading', { level: 1, name: 'Log in' })).toBeInTheDocument();
  });

  it('after a reload, renews the session silently from the refresh token and shows the page', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(7)))
      .on('GET', '/me', () => json(200, ME))
      .on('GET', '/sites', () => json(200, { items: [site('blog')] }));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-6');
    renderApp(fake, '/sites');
    expect(await screen.findByRole('link', { name: 'blog' })).toBeInTheDocument();
    expect(fake.sent('POST', '/auth/refresh')).toHaveLength(1);
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-7');
    expect(screen.queryByRole('link', { name: 'All tenants' })).not.toBeInTheDocument();
  });

  it('sends a platform admin who must turn on two-factor sign-in to the Account page', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(1)))
      .on('GET', '/me', () => json(200, { ...ME, platformAdmin: true, totpEnabled: false, totpEnrolmentRequired: true }))
      .on('GET', '/me/sessions', () => json(200, { items: [] }))
      .on('GET', '/me/totp', () => json(200, { enabled: false, enrolmentPending: false, recoveryCodesLeft: 0, required: true }));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    renderApp(fake, '/sites');
    expect(await screen.findByRole('heading', { level: 1, name: 'Your account' })).toBeInTheDocument();
    expect(await screen.findByText(/requires two-factor sign-in of its admins/)).toBeInTheDocument();
    expect(fake.sent('GET', '/sites')).toHaveLength(0);
  });

  it('shows the admin pages only to platform admins', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(1)))
      .on('GET', '/me', () => json(200, { ...ME, platformAdmin: true }))
      .on('GET', '/sites', () => json(200, { items: [] }));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    renderApp(fake, '/sites');
    expect(await screen.findByRole('link', { name: 'All tenants' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'All sites' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Platform audit log' })).toHaveAttribute('href', '/admin/audit');
  });

  it('offers the tenant\'s audit log to owners and admins only', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(1)))
      .on('GET', '/me', () => json(200, { ...ME, role: 'developer' }))
      .on('GET', '/sites', () => json(200, { items: [] }));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    renderApp(fake, '/sites');
    expect(await screen.findByRole('link', { name: 'Team' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Audit log' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Platform audit log' })).not.toBeInTheDocument();
  });

  it('offers to try again when the API cannot be reached, instead of loading forever', async () => {
    let up = false;
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(1)))
      .on('GET', '/me', () => {
        if (!up) {
          throw new TypeError('Failed to fetch');
        }
        return json(200, ME);
      })
      .on('GET', '/sites', () => json(200, { items: [] }));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    renderApp(fake, '/sites');
    expect(await screen.findByRole('alert')).toHaveTextContent('Berth cannot be reached.');
    up = true;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sites' })).toBeInTheDocument();
  });
});
