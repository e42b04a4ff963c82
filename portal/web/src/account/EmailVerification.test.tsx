import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Route } from 'react-router';
import { ConfirmAddressReminder, VerifyEmailPage } from './EmailVerification';
import { FakeApi, ME, json } from '../test/fakeApi';
import { renderPublic, renderSignedIn } from '../test/render';

describe('ConfirmAddressReminder', () => {
  it('asks an unconfirmed account to open its link and sends a new one on demand', async () => {
    const fake = new FakeApi().on('POST', '/auth/verify-email', () => new Response(null, { status: 202 }));
    renderSignedIn(fake, <ConfirmAddressReminder />, { me: { ...ME, emailVerified: false, emailVerificationRequired: true } });
    expect(await screen.findByText(/open the link we sent to ada@example.com/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Send the link again' }));
    expect(await screen.findByText(/A new link is on its way/)).toBeInTheDocument();
    expect(fake.sent('POST', '/auth/verify-email')).toHaveLength(1);
  });

  it('says nothing when no confirmation is required', async () => {
    const fake = new FakeApi();
    renderSignedIn(fake, <><ConfirmAddressReminder /><p>Page</p></>, { me: { ...ME, emailVerified: false, emailVerificationRequired: false } });
    await waitFor(() => expect(fake.sent('GET', '/me')).toHaveLength(1));
    await screen.findByText('Page');
    expect(screen.queryByText(/Confirm your address/)).not.toBeInTheDocument();
  });
});

describe('VerifyEmailPage', () => {
  it('confirms the address with the token after # on a click', async () => {
    const fake = new FakeApi().on('POST', '/auth/verify-email/confirm', () => new Response(null, { status: 204 }));
    renderPublic(fake, '/verify-email#token=berth_ev_abc', <Route path="/verify-email" element={<VerifyEmailPage />} />);
    expect(fake.sent('POST', '/auth/verify-email/confirm')).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Confirm my address' }));
    expect(await screen.findByText(/Your address is confirmed/)).toBeInTheDocument();
    expect(fake.sent('POST', '/auth/verify-email/confirm')[0].body).toEqual({ token: 'berth_ev_abc' });
  });

  it('says when the link is used or expired', async () => {
    const fake = new FakeApi().on('POST', '/auth/verify-email/confirm', () => json(400, {
      type: 'https://berth.dev/problems/verification-token-invalid', title: 'x', status: 400,
      detail: 'the confirmation link is unknown or was already used' }));
    renderPublic(fake, '/verify-email#token=berth_ev_old', <Route path="/verify-email" element={<VerifyEmailPage />} />);
    await userEvent.click(screen.getByRole('button', { name: 'Confirm my address' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The confirmation link is unknown or was already used.');
  });
});
