import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AdminSitesPage } from './AdminSitesPage';
import { FakeApi, ME, json, site } from '../../test/fakeApi';
import { renderSignedIn } from '../../test/render';

const ADMIN = { ...ME, platformAdmin: true };

describe('AdminSitesPage', () => {
  it("shows each site's certificate state in words, with its expiry or the host's error", async () => {
    const fake = new FakeApi().on('GET', '/admin/sites', () => json(200, {
      items: [
        site('blog', { certificate: { state: 'active', notAfter: '2027-01-30T00:00:00Z' } }),
        site('shop', { certificate: { state: 'unknown', lastError: 'hostd unreachable' } }),
        site('docs', { certificate: { state: 'none' } }),
      ],
    }));
    renderSignedIn(fake, <AdminSitesPage />, { me: ADMIN });

    expect(await screen.findByRole('columnheader', { name: 'Certificate' })).toBeInTheDocument();
    const row = (name: string) => screen.getByRole('rowheader', { name: `${name}.berth.test` }).closest('tr') as HTMLElement;
    const blog = within(row('blog'));
    expect(blog.getByText('Valid')).toBeInTheDocument();
    expect(blog.getByText(/^until /)).toHaveTextContent(String(new Date('2027-01-30T00:00:00Z').getFullYear()));
    const shop = within(row('shop'));
    expect(shop.getByText(/Unknown/)).toHaveClass('error-cell');
    expect(shop.getByText(/hostd unreachable/)).toBeInTheDocument();
    expect(within(row('docs')).getByText('No HTTPS')).toBeInTheDocument();
  });
});
