import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SitePage } from './SitePage';
import { OPERATIONS_KEY } from '../operations/OperationsProvider';
import { FakeApi, ME, json, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

function operation(kind: string, status: string) {
  return { id: '11111111-1111-1111-1111-111111111111', kind, status, target: 'blog',
    createdAt: '2026-11-29T10:00:00Z', updatedAt: status === 'pending' ? '2026-11-29T10:00:00Z' : '2026-11-29T10:00:05Z' };
}

describe('SitePage', () => {
  it('stops the site and follows the operation until it is done, without blocking the page', async () => {
    let current = site('blog');
    let operationStatus = 'pending';
    const fake = new FakeApi()
      .on('GET', '/sites/blog', () => json(200, current))
      .on('POST', '/sites/blog/stop', () => {
        current = { ...current, desiredState: 'stopped' };
        return json(202, operation('site.stop', 'pending'));
      })
      .on('GET', /^\/operations\//, () => json(200, operation('site.stop', operationStatus)));
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName' });
    await userEvent.click(await screen.findByRole('button', { name: 'Stop' }));
    expect(await screen.findByText(/Stopping blog: waiting for the host/)).toBeInTheDocument();
    expect(screen.getByText('Running, stopping')).toBeInTheDocument();
    // The other action is there at once: the page does not wait for the host.
    expect(screen.getByRole('button', { name: 'Start' })).toBeEnabled();
    current = { ...current, observedState: 'stopped' };
    operationStatus = 'succeeded';
    await waitFor(() => expect(screen.getByText(/Stopping blog: done/, { selector: 'p' })).toBeInTheDocument(), { timeout: 5000 });
    await waitFor(() => expect(screen.getByText('Stopped')).toBeInTheDocument(), { timeout: 5000 });
  }, 15000);

  it('deletes only after the name is typed, and shows the site as being deleted', async () => {
    let current = site('blog');
    const fake = new FakeApi()
      .on('GET', '/sites/blog', () => json(200, current))
      .on('DELETE', '/sites/blog', () => {
        current = { ...current, observedState: 'deleting' };
        return json(202, operation('site.delete', 'pending'));
      })
      .on('GET', /^\/operations\//, () => json(200, operation('site.delete', 'pending')));
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName' });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete site…' }));
    const confirm = screen.getByRole('button', { name: 'Delete blog' });
    expect(confirm).toBeDisabled();
    const typed = screen.getByLabelText('Type blog to confirm');
    expect(typed).toHaveFocus();
    await userEvent.type(typed, 'blog');
    await userEvent.click(confirm);
    expect(await screen.findByText('This site is being deleted. It disappears from your list when the host has removed it.')).toBeInTheDocument();
    expect(fake.sent('DELETE', '/sites/blog')).toHaveLength(1);
  });

  it('gives the focus back to the delete button when the confirmation is cancelled with Escape', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog', () => json(200, site('blog')));
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName' });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete site…' }));
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Delete site…' })).toHaveFocus());
    expect(fake.sent('DELETE', '/sites/blog')).toHaveLength(0);
  });

  it('goes on following an operation after a reload of the tab', async () => {
    sessionStorage.setItem(OPERATIONS_KEY, JSON.stringify({ blog: { label: 'Stopping blog', operation: operation('site.stop', 'pending') } }));
    const fake = new FakeApi()
      .on('GET', '/sites/blog', () => json(200, site('blog', { desiredState: 'stopped' })))
      .on('GET', /^\/operations\//, () => json(200, operation('site.stop', 'pending')));
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName' });
    expect(await screen.findByText(/Stopping blog: waiting for the host/)).toBeInTheDocument();
    await waitFor(() => expect(fake.sent('GET', '/operations/')).not.toHaveLength(0), { timeout: 4000 });
  });

  it('says plainly when the site does not exist in the tenant', async () => {
    const fake = new FakeApi();
    renderSignedIn(fake, <SitePage />, { path: '/sites/nope', route: '/sites/:siteName' });
    expect(await screen.findByText('There is no site named nope in your tenant.')).toBeInTheDocument();
  });

  it('shows a viewer the site without start, stop or delete, and with the settings disabled', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog', () => json(200, site('blog')));
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName', me: { ...ME, role: 'viewer' } });
    expect(await screen.findByText('Your role is viewer: you can look at sites but not change them.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete site…' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Delete' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Upload and deploy' })).toBeDisabled();
    expect(screen.getByLabelText('Archive (.zip or .tar.gz)')).toBeDisabled();
  });

  it('gives a developer the same controls as an owner', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog', () => json(200, site('blog')));
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName', me: { ...ME, role: 'developer' } });
    expect(await screen.findByRole('button', { name: 'Stop' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Delete site…' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Upload and deploy' })).toBeEnabled();
  });
});
