import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Site } from '@berth/api';
import { DomainsSection, hostnameProblem } from './DomainsSection';
import { CertificateSection } from './CertificateSection';
import { FakeApi, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

const TOKEN = 'berth-verify-token-of-the-tenant';

function tenant() {
  return { id: '00000000-0000-4000-8000-000000000001', name: 'acme', createdAt: '2026-11-29T10:00:00Z', domainToken: TOKEN,
    quota: { maxSites: 10, maxRunningSites: 5, cpuMillicores: 1000, memoryMib: 512, pids: 256, diskMib: 1024, maxUploadMib: 100,
      apiRequestsPerMinute: 600 }, usage: { sites: 1, runningSites: 1 } };
}

function domain(hostname: string, status: string) {
  return { hostname, site: 'blog', status, createdAt: '2026-11-29T10:00:00Z', nextCheckAt: '2026-11-29T11:00:00Z',
    reason: status === 'pending' ? `no TXT record _berth-challenge.${hostname}; publish one holding this tenant's token` : undefined,
    verification: { recordName: `_berth-challenge.${hostname}`, recordType: 'TXT', value: TOKEN } };
}

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
  it('shows why the API refused a domain next to the field, and adds one that proves it is the tenant\'s', async () => {
    let domains: unknown[] = [];
    const fake = new FakeApi()
      .on('GET', '/tenant', () => json(200, tenant()))
      .on('GET', '/sites/blog/domains', () => json(200, { items: domains }))
      .on('POST', '/sites/blog/domains', (request) => {
        const { hostname } = request.body as { hostname: string };
        if (hostname === 'taken.example.org') {
          return json(409, { type: 'https://berth.dev/problems/domain-taken', title: 'Another site holds this domain',
            status: 409, detail: 'taken.example.org is held by another site' });
        }
        domains = [domain(hostname, 'verified')];
        return json(201, domains[0]);
      });
    renderSignedIn(fake, <DomainsSection site={blog} onChanged={() => undefined} />);
    const field = await screen.findByLabelText('Custom domain');
    await userEvent.type(field, 'http://x');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    expect(field).toHaveAccessibleDescription(expect.stringContaining('without https://'));
    expect(fake.sent('POST', '/sites/blog/domains')).toHaveLength(0);
    await userEvent.clear(field);
    await userEvent.type(field, 'taken.example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    await waitFor(() => expect(field).toHaveAccessibleDescription(expect.stringContaining('held by another site')));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(field);
    await userEvent.type(field, 'WWW.Example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    expect(await screen.findByRole('link', { name: 'www.example.org' })).toBeInTheDocument();
    expect(screen.getByText('Served: its DNS proves it is yours.')).toBeInTheDocument();
    expect(fake.sent('POST', '/sites/blog/domains').at(-1)?.body).toEqual({ hostname: 'www.example.org' });
  });

  it('shows the TXT record to publish and the reason while a domain is not proven, and checks it again on demand', async () => {
    let status = 'pending';
    const fake = new FakeApi()
      .on('GET', '/tenant', () => json(200, tenant()))
      .on('GET', '/sites/blog/domains', () => json(200, { items: [domain('shop.example.org', status)] }))
      .on('POST', '/sites/blog/domains', () => {
        status = 'verified';
        return json(200, domain('shop.example.org', status));
      });
    renderSignedIn(fake, <DomainsSection site={blog} onChanged={() => undefined} />);
    expect(await screen.findByText('Not served yet: waiting for its DNS to prove it is yours.')).toBeInTheDocument();
    expect(screen.getByText('no TXT record _berth-challenge.shop.example.org; publish one holding this tenant\'s token')).toBeInTheDocument();
    expect(screen.getByText('_berth-challenge.shop.example.org')).toBeInTheDocument();
    expect(await screen.findAllByText('berth-verify-token-of-the-tenant')).toHaveLength(2);
    expect(screen.queryByRole('link', { name: 'shop.example.org' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Check now' }));
    expect(await screen.findByText('shop.example.org is proven yours: the host serves it within seconds.')).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'shop.example.org' })).toBeInTheDocument();
  });

  it('says a domain that lost its proof is no longer served, and why', async () => {
    const fake = new FakeApi()
      .on('GET', '/tenant', () => json(200, tenant()))
      .on('GET', '/sites/blog/domains', () => json(200, { items: [{ ...domain('old.example.org', 'lost'),
        reason: 'lost its proof: the TXT record _berth-challenge.old.example.org does not hold this tenant\'s token' }] }));
    renderSignedIn(fake, <DomainsSection site={blog} onChanged={() => undefined} />);
    expect(await screen.findByText('Not served any more: its DNS no longer proves it is yours.')).toBeInTheDocument();
    expect(screen.getByText(/^lost its proof: the TXT record/)).toBeInTheDocument();
  });

  it('shows a refusal that is not about the name (the quota) above the form, not at the field', async () => {
    const fake = new FakeApi()
      .on('GET', '/tenant', () => json(200, tenant()))
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
      .on('GET', '/tenant', () => json(200, tenant()))
      .on('GET', '/sites/blog/domains', () => json(200, { items: [domain('www.example.org', 'verified')] }))
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
