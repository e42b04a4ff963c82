import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Route } from 'react-router';
import { LoginPage } from '../pages/LoginPage';
import { ForgotPasswordPage, ResetPasswordPage } from './PasswordResetPages';
import { FakeApi, json } from '../test/fakeApi';
import { renderPublic } from '../test/render';

function renderAt(fake: FakeApi, path: string) {
  renderPublic(fake, path, <>
    <Route path="/login" element={<LoginPage />} />
    <Route path="/forgot-password" element={<ForgotPasswordPage />} />
    <Route path="/reset-password" element={<ResetPasswordPage />} />
  </>);
}

describe('ForgotPasswordPage', () => {
  it('is reached from the login page and says the same whatever the address', async () => {
    const fake = new FakeApi().on('POST', '/auth/password-reset', () => new Response(null, { status: 202 }));
    renderAt(fake, '/login');
    await userEvent.click(screen.getByRole('link', { name: 'Forgot your password?' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('E-mail address'), 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send the link' }));
    expect(await screen.findByText(/If an account has the address ada@example.com, a link to choose a new password is on its way/))
      .toBeInTheDocument();
    expect(fake.sent('POST', '/auth/password-reset')[0].body).toEqual({ email: 'ada@example.com' });
  });

  it('asks for an address before sending anything', async () => {
    const fake = new FakeApi();
    renderAt(fake, '/forgot-password');
    await userEvent.click(screen.getByRole('button', { name: 'Send the link' }));
    expect(screen.getByLabelText('E-mail address')).toHaveAccessibleDescription('Enter the e-mail address you log in with.');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('ResetPasswordPage', () => {
  it('sets the new password with the token after # and leads to the login', async () => {
    const fake = new FakeApi().on('POST', '/auth/password-reset/confirm', () => new Response(null, { status: 204 }));
    renderAt(fake, '/reset-password#token=berth_pr_abc-123');
    await userEvent.type(screen.getByLabelText('New password', { exact: true }), 'a brand new passphrase');
    await userEvent.type(screen.getByLabelText('New password again'), 'a brand new passphrase');
    await userEvent.click(screen.getByRole('button', { name: 'Set the password' }));
    expect(await screen.findByText(/Your password is set, and you were logged out everywhere/)).toBeInTheDocument();
    expect(fake.sent('POST', '/auth/password-reset/confirm')[0].body).toEqual({ token: 'berth_pr_abc-123', newPassword: 'a brand new passphrase' });
    await userEvent.click(screen.getByRole('link', { name: 'Log in' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Log in' })).toBeInTheDocument();
  });

  it('offers a new link when this one is used or expired', async () => {
    const fake = new FakeApi().on('POST', '/auth/password-reset/confirm', () => json(400, {
      type: 'https://berth.dev/problems/reset-token-invalid', title: 'The password reset link is unknown, used or expired', status: 400,
      detail: 'the reset link expired (links work for 30 minutes); ask for a new one' }));
    renderAt(fake, '/reset-password#token=berth_pr_old');
    await userEvent.type(screen.getByLabelText('New password', { exact: true }), 'a brand new passphrase');
    await userEvent.type(screen.getByLabelText('New password again'), 'a brand new passphrase');
    await userEvent.click(screen.getByRole('button', { name: 'Set the password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The reset link expired (links work for 30 minutes); ask for a new one.');
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/forgot-password');
  });

  it('says what is missing when opened without the link\'s token', () => {
    renderAt(new FakeApi(), '/reset-password');
    expect(screen.getByText(/This page needs the link from the e-mail/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Set the password' })).not.toBeInTheDocument();
  });
});
