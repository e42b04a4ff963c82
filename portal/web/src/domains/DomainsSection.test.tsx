import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Site } from '@berth/api';
import { DomainsSection, hostnameProblem } from './DomainsSection';
import { CertificateSection } from './CertificateSection';
import { FakeApi, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

describe('hostnameProblem', () => {
  it('asks for a bare full domain name', () => {
    expect(hostnameProblem('www.example.org')).toBeNull();
    expect(hostnameProblem('https://www.example.org/')).toMatch(/without https/);
    expect(hostnameProblem('localhost')).toMatch(/full domain name/);
    expect(hostnameProblem('bad_name.example.org')).toMatch(/full domain name/);
    expect(hostnameProblem('')).toMatch(/Enter a domain/);
  });
});

describe('DomainsSection', () => {
  it('shows why the API refused a domain next to the field, and adds one that points at the platform', async () => {
    let domains: unknown[] = [];
    const fake = new FakeApi()
      .on('GET', '/sites/blog/domains', () => json(200, { items: domains }))
      .on('POST', '/sites/blog/domains', (request) => {
        const { hostname } = request.body as { hostname: string };
        if (hostname === 'nowhere.example.org') {
          return json(422, { type: 'https://berth.dev/problems/domain-not-pointing', title: 'The domain does not resolve to the platform',
            status: 422, detail: 'nowhere.example.org does not resolve; point it at blog.berth.test' });
        }
        domains = [{ hostname, site: 'blog', createdAt: '2026-11-29T10:00:00Z' }];
        return json(201, domains[0]);
      });
    renderSignedIn(fake, <DomainsSection site={blog} onChanged={() => undefined} />);
    const field = await screen.findByLabelText('Custom domain');
    await userEvent.type(field, 'http://x');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    expect(field).toHaveAccessibleDescription(expect.stringContaining('without https://'));
    expect(fake.sent('POST', '/sites/blog/domains')).toHaveLength(0);
    await userEvent.clear(field);
    await userEvent.type(field, 'nowhere.example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    await waitFor(() => expect(field).toHaveAccessibleDescription(expect.stringContaining('does not resolve; point it at blog.berth.test')));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(field);
    await userEvent.type(field, 'WWW.Example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    expect(await screen.findByRole('link', { name: 'www.example.org' })).toBeInTheDocument();
    expect(fake.sent('POST', '/sites/blog/domains').at(-1)?.body).toEqual({ hostname: 'www.example.org' });
  });

  it('shows a refusal that is not about the name (the quota) above the form, not at the field', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/domains', () => json(200, { items: [] }))
      .on('POST', '/sites/blog/domains', () => problem(422, 'a site may have at most 20 custom domains'));
    renderSignedIn(fake, <DomainsSection site={blog} onChanged={() => undefined} />);
    const field = await screen.findByLabelText('Custom domain');
    await userEvent.type(field, 'www.example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A site may have at most 20 custom domains.');
    expect(field).not.toHaveAttribute('aria-invalid');
  });

  it('removes a domain only after a confirmation', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/domains', () => json(200, { items: [{ hostname: 'www.example.org', site: 'blog', createdAt: '2026-11-29T10:00:00Z' }] }))
      .on('DELETE', /^\/sites\/blog\/domains\//, () => new Response(null, { status: 204 }));
    renderSignedIn(fake, <DomainsSection site={blog} onChanged={() => undefined} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Remove…' }));
    expect(fake.sent('DELETE', '/sites/blog/domains/')).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Remove www.example.org' }));
    expect(await screen.findByText('www.example.org removed.')).toBeInTheDocument();
    expect(fake.sent('DELETE', '/sites/blog/domains/')[0].path).toBe('/sites/blog/domains/www.example.org');
  });
});

describe('CertificateSection', () => {
  it('says in words whether HTTPS is on and why it failed', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/certificate', () => json(200, {
      hostnames: ['blog.berth.test'], state: 'failed', domains: ['*.berth.test', 'berth.test'], issuer: 'CN=Pebble',
      notAfter: '2027-01-30T00:00:00Z', lastError: 'ACME: the CA answers 503',
    }));
    renderSignedIn(fake, <CertificateSection site={blog} />);
    expect(await screen.findByText('The last attempt to obtain or renew the certificate failed.')).toBeInTheDocument();
    expect(screen.getByText('*.berth.test, berth.test')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('ACME: the CA answers 503');
  });
});
