import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Site } from '@berth/api';
import { ProtectionSection, addressesOf, protectionText } from './ProtectionSection';
import { FakeApi, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

describe('protectionText', () => {
  it('says who may visit, never a password', () => {
    expect(protectionText(undefined)).toMatch(/^Open/);
    expect(protectionText({ passwordProtected: true, username: 'ada', pathPrefix: '/staging', allowedAddresses: ['10.0.0.0/8'],
      updatedAt: new Date() })).toBe('Under /staging, the site asks for the user name ada and its password and admits only 10.0.0.0/8.');
    expect(addressesOf(' 10.0.0.0/8,\n2001:db8::/32  ')).toEqual(['10.0.0.0/8', '2001:db8::/32']);
  });
});

describe('ProtectionSection', () => {
  it('sends the password once, shows the API\'s refusal next to its field, and removes the protection', async () => {
    let changed = 0;
    const fake = new FakeApi()
      .on('PUT', '/sites/blog/protection', (request) => {
        const body = request.body as { password?: string };
        if (body.password === 'short') {
          return problem(400, 'password: must be 10 to 128 characters without control characters',
            [{ field: 'password', message: 'must be 10 to 128 characters without control characters' }]);
        }
        return json(200, { passwordProtected: true, username: 'ada', allowedAddresses: [], updatedAt: '2026-12-06T02:00:00Z' });
      })
      .on('DELETE', '/sites/blog/protection', () => new Response(null, { status: 204 }));
    renderSignedIn(fake, <ProtectionSection site={blog} onChanged={() => { changed += 1; }} />);
    expect(screen.getByText(/^Open/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Protect the site' }));
    expect(screen.getByText(/Set a user name and password, allowed addresses, or both/)).toBeInTheDocument();
    expect(fake.sent('PUT', '/sites/blog/protection')).toHaveLength(0);

    await userEvent.type(screen.getByLabelText('User name'), 'ada');
    const password = screen.getByLabelText('Password');
    await userEvent.type(password, 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Protect the site' }));
    await waitFor(() => expect(password).toHaveAccessibleDescription(expect.stringContaining('must be 10 to 128 characters')));

    await userEvent.clear(password);
    await userEvent.type(password, 'a long shared secret');
    await userEvent.click(screen.getByRole('button', { name: 'Protect the site' }));
    await screen.findByText(/Saved\. The site asks for the user name ada/);
    expect(password).toHaveValue('');
    expect(changed).toBe(1);

    renderSignedIn(fake, <ProtectionSection site={{ ...blog, protection: { passwordProtected: true, username: 'ada',
      allowedAddresses: [], updatedAt: new Date('2026-12-06T02:00:00Z') } }} onChanged={() => { changed += 1; }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove protection' }));
    await screen.findByText(/open to everybody again/);
    expect(fake.sent('DELETE', '/sites/blog/protection')).toHaveLength(1);
  });
});
