import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
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

  it("stops, starts and deletes any tenant's site as the admin", async () => {
    const fake = new FakeApi()
      .on('GET', '/admin/sites', () => json(200, {
        items: [site('blog', { tenantName: 'bob' }), site('shop', { tenantName: 'eve', desiredState: 'stopped', observedState: 'stopped' })],
      }))
      .on('POST', /^\/admin\/sites\/[a-z]+\/(stop|start)$/, (request) => json(202, {
        id: '00000000-0000-0000-0000-000000000009', kind: request.path.endsWith('stop') ? 'site.stop' : 'site.start',
        status: 'pending', createdAt: '2026-12-05T21:00:00Z', updatedAt: '2026-12-05T21:00:00Z' }))
      .on('DELETE', '/admin/sites/blog', () => json(202, {
        id: '00000000-0000-0000-0000-00000000000a', kind: 'site.delete', status: 'pending',
        createdAt: '2026-12-05T21:00:00Z', updatedAt: '2026-12-05T21:00:00Z' }));
    const user = userEvent.setup();
    renderSignedIn(fake, <AdminSitesPage />, { me: ADMIN });

    await user.click(await screen.findByRole('button', { name: 'Stop blog' }));
    expect(await screen.findByText('blog: stop requested.')).toBeInTheDocument();
    expect(fake.sent('POST', '/admin/sites/blog/stop')).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: 'Start shop' }));
    expect(await screen.findByText('shop: start requested.')).toBeInTheDocument();
    expect(fake.sent('POST', '/admin/sites/shop/start')).toHaveLength(1);

    const blog = within(screen.getByRole('rowheader', { name: 'blog.berth.test' }).closest('tr') as HTMLElement);
    await user.click(blog.getByRole('button', { name: 'Delete site…' }));
    await user.type(blog.getByLabelText(/Type blog to confirm/), 'blog');
    await user.click(blog.getByRole('button', { name: 'Delete blog' }));
    expect(await screen.findByText('blog: deletion requested.')).toBeInTheDocument();
    expect(fake.sent('DELETE', '/admin/sites/blog')).toHaveLength(1);
    expect(fake.sent('DELETE', '/admin/sites/shop')).toHaveLength(0);
  });
});
