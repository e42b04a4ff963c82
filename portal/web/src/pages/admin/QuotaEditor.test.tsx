import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { QuotaEditor } from './QuotaEditor';
import { FakeApi, ME, json, problem } from '../../test/fakeApi';
import { renderSignedIn } from '../../test/render';

const TENANT = '33333333-3333-3333-3333-333333333333';
const quota = { maxSites: 10, maxRunningSites: 5, cpuMillicores: 1000, memoryMib: 512, pids: 256, diskMib: 1024, maxUploadMib: 100, apiRequestsPerMinute: 600 };
const admin = { ...ME, platformAdmin: true };

describe('QuotaEditor', () => {
  it('writes the quota back with the ETag it read, as If-Match', async () => {
    const fake = new FakeApi()
      .on('GET', `/admin/tenants/${TENANT}/quota`, () => json(200, quota, { ETag: '"q-1"' }))
      .on('PUT', `/admin/tenants/${TENANT}/quota`, (request) => json(200, request.body, { ETag: '"q-2"' }));
    const onSaved = vi.fn();
    renderSignedIn(fake, <QuotaEditor tenantId={TENANT} tenantName="ada" onSaved={onSaved} onClose={() => undefined} />, { me: admin });
    const sites = await screen.findByRole('textbox', { name: 'Sites' });
    await userEvent.clear(sites);
    await userEvent.type(sites, '25');
    await userEvent.click(screen.getByRole('button', { name: 'Save quota' }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [put] = fake.sent('PUT', `/admin/tenants/${TENANT}/quota`);
    expect(put.headers.get('If-Match')).toBe('"q-1"');
    expect(put.body).toEqual({ ...quota, maxSites: 25 });
  });

  it('explains a concurrent change (412) and shows the current values again', async () => {
    let reads = 0;
    const fake = new FakeApi()
      .on('GET', `/admin/tenants/${TENANT}/quota`, () => json(200, { ...quota, maxSites: reads++ === 0 ? 10 : 40 }, { ETag: `"q-${reads}"` }))
      .on('PUT', `/admin/tenants/${TENANT}/quota`, () => problem(412, 'the quota changed since you read it'));
    renderSignedIn(fake, <QuotaEditor tenantId={TENANT} tenantName="ada" onSaved={() => undefined} onClose={() => undefined} />, { me: admin });
    const sites = await screen.findByRole('textbox', { name: 'Sites' });
    await userEvent.clear(sites);
    await userEvent.type(sites, '25');
    await userEvent.click(screen.getByRole('button', { name: 'Save quota' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Someone changed this quota after you opened it.');
    await vi.waitFor(() => expect(screen.getByRole('textbox', { name: 'Sites' })).toHaveValue('40'));
  });

  it('shows the API\'s complaint about a field next to that field', async () => {
    const fake = new FakeApi()
      .on('GET', `/admin/tenants/${TENANT}/quota`, () => json(200, quota, { ETag: '"q-1"' }))
      .on('PUT', `/admin/tenants/${TENANT}/quota`, () => problem(400, 'memoryMib must be at most 4096',
        [{ field: 'memoryMib', message: 'must be at most 4096 on this host' }]));
    renderSignedIn(fake, <QuotaEditor tenantId={TENANT} tenantName="ada" onSaved={() => undefined} onClose={() => undefined} />, { me: admin });
    await userEvent.click(await screen.findByRole('button', { name: 'Save quota' }));
    const memory = screen.getByRole('textbox', { name: 'Memory (MiB)' });
    expect(await screen.findByText('Memory must be at most 4096 on this host.')).toBeInTheDocument();
    expect(memory).toHaveAccessibleDescription('Memory must be at most 4096 on this host.');
  });

  it('refuses out-of-range numbers before sending', async () => {
    const fake = new FakeApi().on('GET', `/admin/tenants/${TENANT}/quota`, () => json(200, quota, { ETag: '"q-1"' }));
    renderSignedIn(fake, <QuotaEditor tenantId={TENANT} tenantName="ada" onSaved={() => undefined} onClose={() => undefined} />, { me: admin });
    const cpu = await screen.findByRole('textbox', { name: 'CPU (millicores)' });
    await userEvent.clear(cpu);
    await userEvent.type(cpu, '5');
    await userEvent.click(screen.getByRole('button', { name: 'Save quota' }));
    expect(screen.getByText('CPU must be between 10 and 1024000.')).toBeInTheDocument();
    expect(fake.sent('PUT', '/admin')).toHaveLength(0);
  });
});
