import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Route } from 'react-router';
import { REFRESH_TOKEN_KEY } from '../auth/session';
import { LoginPage } from './LoginPage';
import { SignupPage } from './SignupPage';
import { FakeApi, ME, json, problem, tokenPair } from '../test/fakeApi';
import { renderPublic } from '../test/render';

function renderAt(fake: FakeApi, path: string) {
  renderPublic(fake, path, <>
    <Route path="/login" element={<LoginPage />} />
    <Route path="/signup" element={<SignupPage />} />
    <Route path="/sites" element={<p>Sites page</p>} />
  </>);
}

describe('LoginPage', () => {
  it('logs in and goes to the sites', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/login', () => json(200, tokenPair(1)))
      .on('GET', '/me', () => json(200, ME));
    renderAt(fake, '/login');
    expect(screen.getByRole('heading', { level: 1, name: 'Log in' })).toHaveFocus();
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery{Enter}');
    expect(await screen.findByText('Sites page')).toBeInTheDocument();
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1');
  });

  it('says in words that the credentials are wrong', async () => {
    const fake = new FakeApi().on('POST', '/auth/login', () => problem(401, 'the e-mail address or password is wrong'));
    renderAt(fake, '/login');
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'nope{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The e-mail address or password is wrong.');
  });
});

describe('LoginPage with two-factor sign-in', () => {
  const totpRequired = () => json(401, { type: 'https://berth.dev/problems/totp-required', title: 'A code is required', status: 401,
    detail: 'send the current code' });
  const totpInvalid = () => json(401, { type: 'https://berth.dev/problems/totp-invalid', title: 'The code is wrong', status: 401,
    detail: 'the code is wrong, expired or already used' });

  it('asks for the app\'s code when the API requires one and sends it with the same credentials', async () => {
    let logins = 0;
    const fake = new FakeApi()
      .on('POST', '/auth/login', () => {
        logins += 1;
        return logins === 1 ? totpRequired() : logins === 2 ? totpInvalid() : json(200, tokenPair(1));
      })
      .on('GET', '/me', () => json(200, ME));
    renderAt(fake, '/login');
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery{Enter}');

    const code = await screen.findByLabelText('Code from your authenticator app');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await userEvent.type(code, '111111{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('That code was not accepted');
    await userEvent.clear(screen.getByLabelText('Code from your authenticator app'));
    await userEvent.type(screen.getByLabelText('Code from your authenticator app'), '222222{Enter}');

    expect(await screen.findByText('Sites page')).toBeInTheDocument();
    const sent = fake.sent('POST', '/auth/login').map((request) => request.body);
    expect(sent[0]).toEqual({ email: 'ada@example.com', password: 'correct horse battery' });
    expect(sent[2]).toEqual({ email: 'ada@example.com', password: 'correct horse battery', totpCode: '222222' });
  });

  it('takes a recovery code instead', async () => {
    let logins = 0;
    const fake = new FakeApi()
      .on('POST', '/auth/login', () => (++logins === 1 ? totpRequired() : json(200, tokenPair(1))))
      .on('GET', '/me', () => json(200, ME));
    renderAt(fake, '/login');
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery{Enter}');
    await userEvent.click(await screen.findByRole('button', { name: 'Use a recovery code instead' }));
    await userEvent.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-ijkl-mnop{Enter}');
    expect(await screen.findByText('Sites page')).toBeInTheDocument();
    expect(fake.sent('POST', '/auth/login')[1].body).toEqual({ email: 'ada@example.com', password: 'correct horse battery',
      recoveryCode: 'abcd-efgh-ijkl-mnop' });
  });
});

describe('SignupPage', () => {
  it('shows the API\'s field errors next to their fields', async () => {
    const fake = new FakeApi().on('POST', '/signup', () => problem(409, 'the tenant name is taken',
      [{ field: 'tenantName', message: 'is taken' }]));
    renderAt(fake, '/signup');
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery');
    await userEvent.type(screen.getByLabelText('Tenant name'), 'ada');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('Tenant name is taken.')).toBeInTheDocument();
    expect(screen.getByLabelText('Tenant name')).toHaveAccessibleDescription(expect.stringContaining('Tenant name is taken.'));
  });

  it('takes the focus to the first field to correct when the form is refused', async () => {
    const fake = new FakeApi();
    renderAt(fake, '/signup');
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.type(screen.getByLabelText('Tenant name'), 'ada');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await vi.waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(expect.stringContaining('Use at least 12 characters (5 so far).'));
    expect(fake.requests).toHaveLength(0);
  });

  it('signs up, then logs in with the same credentials', async () => {
    const fake = new FakeApi()
      .on('POST', '/signup', () => json(201, ME))
      .on('POST', '/auth/login', () => json(200, tokenPair(1)))
      .on('GET', '/me', () => json(200, ME));
    renderAt(fake, '/signup');
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery');
    await userEvent.type(screen.getByLabelText('Tenant name'), 'ada');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('Sites page')).toBeInTheDocument();
    expect(fake.sent('POST', '/signup')[0].body).toEqual({ email: 'ada@example.com', password: 'correct horse battery', tenantName: 'ada' });
  });
});
