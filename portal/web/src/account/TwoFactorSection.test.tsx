import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { TwoFactorSection, groupedSecret } from './TwoFactorSection';
import { FakeApi, json } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const OFF = { enabled: false, enrolmentPending: false, recoveryCodesLeft: 0, required: false };
const ON = { enabled: true, enrolmentPending: false, enabledAt: '2026-12-06T01:00:00Z', recoveryCodesLeft: 10, required: false };
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ENROLMENT = { secret: SECRET, otpauthUri: `otpauth://totp/Berth:ada%40example.com?secret=${SECRET}&issuer=Berth&algorithm=SHA1&digits=6&period=30`,
  algorithm: 'SHA1', digits: 6, periodSeconds: 30 };
const CODES = Array.from({ length: 10 }, (_, i) => `abcd-efgh-ijkl-mn${String.fromCharCode(97 + i)}${String.fromCharCode(97 + i)}`);
const problemOf = (status: number, slug: string, detail: string) =>
  json(status, { type: `https://berth.dev/problems/${slug}`, title: slug, status, detail });

describe('TwoFactorSection', () => {
  it('enrols with the key and link, confirms with a code and shows the recovery codes once', async () => {
    let state: unknown = OFF;
    const fake = new FakeApi()
      .on('GET', '/me/totp', () => json(200, state))
      .on('POST', '/me/totp', () => json(200, ENROLMENT))
      .on('POST', '/me/totp/confirm', () => {
        state = ON;
        return json(200, { recoveryCodes: CODES });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <TwoFactorSection />);
    await user.click(await screen.findByRole('button', { name: 'Set up two-factor sign-in' }));

    expect(await screen.findByTestId('totp-secret')).toHaveTextContent(groupedSecret(SECRET));
    expect(screen.getByLabelText('Setup link')).toHaveValue(ENROLMENT.otpauthUri);
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(screen.getByText('Enter the 6 digits your app shows.')).toBeInTheDocument();
    expect(fake.sent('POST', '/me/totp/confirm')).toHaveLength(0);

    await user.type(screen.getByLabelText('Code from the app'), '123456');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    const list = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(10);
    expect(fake.sent('POST', '/me/totp/confirm')[0].body).toEqual({ code: '123456' });
    expect(screen.getByText('Two-factor sign-in is on. Your other sessions were signed out.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'I have saved them' }));
    expect(screen.queryByRole('list', { name: 'Recovery codes' })).not.toBeInTheDocument();
    expect(await screen.findByText(/of 10 recovery codes left/)).toBeInTheDocument();
  });

  it('puts a code the API refuses at its field', async () => {
    const fake = new FakeApi()
      .on('GET', '/me/totp', () => json(200, OFF))
      .on('POST', '/me/totp', () => json(200, ENROLMENT))
      .on('POST', '/me/totp/confirm', () => problemOf(403, 'wrong-code', 'the code does not match'));
    const user = userEvent.setup();
    renderSignedIn(fake, <TwoFactorSection />);
    await user.click(await screen.findByRole('button', { name: 'Set up two-factor sign-in' }));
    await user.type(await screen.findByLabelText('Code from the app'), '000000');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByText(/That code does not match/)).toBeInTheDocument();
    expect(screen.getByLabelText('Code from the app')).toHaveAccessibleDescription(expect.stringContaining('That code does not match'));
  });

  it('turns it off with the password and says a wrong one at its field', async () => {
    let state: unknown = ON;
    let attempts = 0;
    const fake = new FakeApi()
      .on('GET', '/me/totp', () => json(200, state))
      .on('DELETE', '/me/totp', () => {
        attempts += 1;
        if (attempts === 1) {
          return problemOf(403, 'wrong-password', 'the password is wrong');
        }
        state = OFF;
        return new Response(null, { status: 204 });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <TwoFactorSection />);
    const form = await screen.findByRole('form', { name: 'Turn off two-factor sign-in' });
    await user.type(within(form).getByLabelText('Password'), 'nope');
    await user.click(within(form).getByRole('button', { name: 'Turn off two-factor sign-in' }));
    expect(await within(form).findByText('The password is wrong.')).toBeInTheDocument();

    await user.type(within(form).getByLabelText('Password'), ' but right');
    await user.click(within(form).getByRole('button', { name: 'Turn off two-factor sign-in' }));
    expect(await screen.findByText('Two-factor sign-in is off: your password alone signs you in.')).toBeInTheDocument();
    expect(fake.sent('DELETE', '/me/totp')[1].body).toEqual({ password: 'nope but right' });
    expect(await screen.findByRole('button', { name: 'Set up two-factor sign-in' })).toBeInTheDocument();
  });

  it('tells a platform admin that the platform requires it', async () => {
    const fake = new FakeApi().on('GET', '/me/totp', () => json(200, { ...OFF, required: true }));
    renderSignedIn(fake, <TwoFactorSection />);
    expect(await screen.findByText(/requires two-factor sign-in of its admins/)).toBeInTheDocument();
  });
});
