import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { UsageGraphs } from './UsageGraphs';
import { AccessLogSection } from './AccessLogSection';
import { linePath } from './LineGraph';
import { FakeApi, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';
import type { Site } from '@berth/api';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

describe('linePath', () => {
  it('scales points into the box and breaks the line where a figure is unknown', () => {
    const at = (seconds: number) => new Date(Date.UTC(2026, 10, 29, 10, 0, seconds));
    expect(linePath([{ time: at(0), value: 0 }, { time: at(10), value: 50 }, { time: at(20), value: null }, { time: at(30), value: 100 }],
      100, 300, 100)).toBe('M0.0,100.0 L100.0,50.0 M300.0,0.0');
    expect(linePath([], 100)).toBe('');
  });
});

describe('UsageGraphs', () => {
  it('draws CPU, memory and requests with their figures in words', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/usage', () => json(200, {
      site: 'blog', sampleIntervalSeconds: 15, cpuLimitMillicores: 250, memoryLimitBytes: 64 * 1024 * 1024,
      samples: [
        { time: '2026-11-29T10:00:00Z', memoryBytes: 300 * 1024, pids: 2 },
        { time: '2026-11-29T10:00:15Z', cpuMillicores: 12.5, memoryBytes: 400 * 1024, pids: 3, requests: 7 },
      ],
    }));
    renderSignedIn(fake, <UsageGraphs site={blog} />);
    expect(await screen.findByText('The last 15 seconds, a point every 15 seconds. Requests and CPU are per point.')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /CPU Latest 13 millicores, peak 13 millicores, limit 250 millicores/ })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Memory Latest 400 KiB, peak 400 KiB, limit 64 MiB/ })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Requests Latest 7 requests/ })).toBeInTheDocument();
    const requests = screen.getByText('Figures of “Requests”');
    await userEvent.click(requests);
    const figures = within(requests.closest('details') as HTMLElement);
    expect(figures.getByRole('cell', { name: 'unknown' })).toBeVisible();
    expect(figures.getByRole('cell', { name: '7 requests' })).toBeVisible();
  });

  it('says when there is nothing to draw yet', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/usage', () => json(200, { site: 'blog', sampleIntervalSeconds: 15, samples: [] }));
    renderSignedIn(fake, <UsageGraphs site={blog} />);
    expect(await screen.findByText(/a first point within 15 seconds/)).toBeInTheDocument();
    expect(screen.getAllByRole('img')).toHaveLength(3);
  });
});

describe('AccessLogSection', () => {
  it('lists the latest requests newest first and refreshes on demand', async () => {
    let items = [{ time: '2026-11-29T10:00:01Z', method: 'GET', uri: '/', status: 200, bytesSent: 1200, requestSeconds: 0.002,
      remoteAddress: '127.0.0.1', userAgent: 'curl/7.88', host: 'blog.berth.test' }];
    const fake = new FakeApi().on('GET', '/sites/blog/access-log', () => json(200, { items }));
    renderSignedIn(fake, <AccessLogSection site={blog} />);
    expect(await screen.findByText('GET /')).toBeInTheDocument();
    expect(fake.sent('GET', '/sites/blog/access-log')[0].path).toBe('/sites/blog/access-log?limit=50');
    items = [{ ...items[0], time: '2026-11-29T10:00:09Z', uri: '/missing', status: 404 }, ...items];
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('GET /missing')).toBeInTheDocument();
    const rows = screen.getAllByRole('row');
    expect(rows[1]).toHaveTextContent('/missing');
    expect(rows[2]).toHaveTextContent('GET /');
  });

  it('explains an empty log and a host that cannot be asked', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/access-log', () => json(200, { items: [] }));
    renderSignedIn(fake, <AccessLogSection site={blog} />);
    expect(await screen.findByText(/Nobody has visited this site yet/)).toBeInTheDocument();
    fake.on('GET', '/sites/blog/access-log', () => problem(503, "the site's host cannot be asked for its access log right now; try again shortly"));
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('try again shortly');
  });
});
