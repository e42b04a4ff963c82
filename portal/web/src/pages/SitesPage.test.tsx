import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SitesPage } from './SitesPage';
import { FakeApi, ME, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

describe('SitesPage', () => {
  it('lists the sites with their state and addresses', async () => {
    const fake = new FakeApi().on('GET', '/sites', () => json(200, { items: [site('blog'), site('shop', { observedState: 'provisioning', ipv4: '10.1.1.2' })] }));
    renderSignedIn(fake, <SitesPage />);
    expect(await screen.findByRole('link', { name: 'blog' })).toHaveAttribute('href', '/sites/blog');
    expect(screen.getByText('shop.berth.test')).toBeInTheDocument();
    expect(screen.getByText('10.1.1.2')).toBeInTheDocument();
    expect(screen.getByText('Provisioning')).toBeInTheDocument();
  });

  it('marks a branch preview with its site and branch', async () => {
    const fake = new FakeApi().on('GET', '/sites', () => json(200, { items: [site('blog'),
      site('feature-login--blog', { previewOf: { site: 'blog', branch: 'feature/Login' } })] }));
    const { container } = renderSignedIn(fake, <SitesPage />);
    await screen.findByRole('link', { name: 'feature-login--blog' });
    const mark = container.querySelector('[data-site="feature-login--blog"] [data-preview-of="blog"]');
    expect(mark?.textContent).toMatch(/Preview of blog,\s*branch feature\/Login/);
    expect(container.querySelector('[data-site="blog"] [data-preview-of]')).toBeNull();
  });

  it('validates the name while it is typed, before anything is sent', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites', () => json(200, { items: [site('blog')] }))
      .on('GET', '/platform', () => json(200, { domain: 'berth.test', siteUrlScheme: 'http', openSignup: true,
        reservedSiteNames: ['mail', 'www'] }))
      .on('GET', /^\/site-names\//, (request) => {
        const name = request.path.split('/')[2];
        return json(200, { name, hostname: `${name}.berth.test`, url: `http://${name}.berth.test/` });
      });
    renderSignedIn(fake, <SitesPage />);
    const field = await screen.findByLabelText('Site name');
    await waitFor(() => expect(fake.sent('GET', '/platform')).toHaveLength(1));
    await userEvent.type(field, 'My');
    expect(field).toHaveAccessibleDescription(expect.stringContaining('Use lower-case letters only.'));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(field);
    await userEvent.type(field, 'mail');
    expect(screen.getByText('"mail" is reserved by the platform.')).toBeInTheDocument();
    await userEvent.clear(field);
    await userEvent.type(field, 'blog');
    expect(screen.getByText('You already have a site with this name.')).toBeInTheDocument();
    await userEvent.clear(field);
    await userEvent.type(field, 'new-site');
    expect(field).not.toHaveAttribute('aria-invalid');
    expect(await screen.findByText('new-site.berth.test')).toBeInTheDocument();
    expect(field).toHaveAccessibleDescription(expect.stringContaining('new-site is free'));
    // Invalid names and the tenant's own are judged here; only the finished valid name is asked, once.
    expect(fake.sent('GET', '/site-names/').map((request) => request.path)).toEqual(['/site-names/new-site']);
    expect(fake.sent('POST', '/sites')).toHaveLength(0);
  });

  it('shows at the field, before anything is created, that another tenant holds the name', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites', () => json(200, { items: [] }))
      .on('GET', /^\/site-names\//, () => problem(409, "the site name 'taken' is taken", [{ field: 'name', message: 'is taken' }]));
    renderSignedIn(fake, <SitesPage />);
    const field = await screen.findByLabelText('Site name');
    await userEvent.type(field, 'taken');
    expect(await screen.findByText('This name is taken. Choose another one.')).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(fake.sent('POST', '/sites')).toHaveLength(0);
  });

  it('shows the address a new site will get from the platform facts', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites', () => json(200, { items: [] }))
      .on('GET', '/platform', () => json(200, { domain: 'hosting.example', siteUrlScheme: 'https', openSignup: true,
        reservedSiteNames: [] }))
      .on('GET', /^\/site-names\//, () => problem(503, 'the service is temporarily unavailable'));
    renderSignedIn(fake, <SitesPage />);
    await waitFor(() => expect(fake.sent('GET', '/platform')).toHaveLength(1));
    const field = await screen.findByLabelText('Site name');
    await userEvent.type(field, 'shop');
    expect(await screen.findByText(/Checking whether shop is free/)).toBeInTheDocument();
    // The check could not answer: the name is not refused, and the address comes from the platform's domain.
    expect(await screen.findByText('shop.hosting.example')).toBeInTheDocument();
    expect(field).not.toHaveAttribute('aria-invalid');
  });

  it('shows a name another tenant took next to the field, and sends an Idempotency-Key', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites', () => json(200, { items: [] }))
      .on('POST', '/sites', () => problem(409, "the site name 'taken' is taken", [{ field: 'name', message: 'is taken' }]));
    renderSignedIn(fake, <SitesPage />);
    await userEvent.type(await screen.findByLabelText('Site name'), 'taken');
    await userEvent.click(screen.getByRole('button', { name: 'Create site' }));
    expect(await screen.findByText('Name is taken.')).toBeInTheDocument();
    const [create] = fake.sent('POST', '/sites');
    expect(create.body).toEqual({ name: 'taken' });
    expect(create.headers.get('Idempotency-Key')).toMatch(/.{8,}/);
  });

  it('creates a site and shows it in the list', async () => {
    let items: unknown[] = [];
    const fake = new FakeApi()
      .on('GET', '/sites', () => json(200, { items }))
      .on('POST', '/sites', () => {
        items = [site('fresh', { observedState: 'provisioning' })];
        return json(201, items[0]);
      });
    renderSignedIn(fake, <SitesPage />);
    await userEvent.type(await screen.findByLabelText('Site name'), 'fresh');
    await userEvent.click(screen.getByRole('button', { name: 'Create site' }));
    expect(await screen.findByText(/Site fresh created/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('link', { name: 'fresh' })).toBeInTheDocument());
  });

  it('says so in words when the quota is reached', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites', () => json(200, { items: [] }))
      .on('POST', '/sites', () => problem(422, 'the tenant may have at most 3 sites'));
    renderSignedIn(fake, <SitesPage />);
    await userEvent.type(await screen.findByLabelText('Site name'), 'four');
    await userEvent.click(screen.getByRole('button', { name: 'Create site' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The tenant may have at most 3 sites.');
  });
});

describe('describeChanges', () => {
  it('says which sites changed state and which are gone', async () => {
    const { describeChanges } = await import('./SitesPage');
    const before = [site('blog', { observedState: 'provisioning' }), site('old', { observedState: 'deleting' }), site('same')];
    const after = [site('blog', { observedState: 'running' }), site('same')];
    expect(describeChanges(before as never, after as never)).toBe('blog is now running. old was deleted.');
    expect(describeChanges(undefined, after as never)).toBe('');
  });

  it('lists the sites to a viewer without the form to create one', async () => {
    const fake = new FakeApi().on('GET', '/sites', () => json(200, { items: [site('blog')] }));
    renderSignedIn(fake, <SitesPage />, { me: { ...ME, role: 'viewer' } });
    expect(await screen.findByRole('link', { name: 'blog' })).toBeInTheDocument();
    expect(screen.getByText('Your role is viewer: you can look at sites but not change them.')).toBeInTheDocument();
    expect(screen.queryByLabelText('Site name')).not.toBeInTheDocument();
  });
});
