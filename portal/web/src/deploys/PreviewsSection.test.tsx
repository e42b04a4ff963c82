import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Site } from '@berth/api';
import { PreviewsSection } from './PreviewsSection';
import { FakeApi, json, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

function preview(branch: string, name: string, overrides: Record<string, unknown> = {}) {
  return {
    branch, site: name, hostname: `${name}.berth.test`, url: `http://${name}.berth.test/`,
    desiredState: 'running', observedState: 'running', createdAt: '2026-12-01T10:00:00Z',
    lastPushAt: '2026-12-02T10:00:00Z', expiresAt: '2026-12-09T10:00:00Z', ...overrides,
  };
}

describe('PreviewsSection', () => {
  it('lists each branch with its address, its last deploy and why it failed', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/previews', () => json(200, { items: [
      preview('feature/Login', 'feature-login--blog', { lastDeployStatus: 'live' }),
      preview('broken', 'broken--blog', { lastDeployStatus: 'failed', lastDeployError: 'the Git host refused the fetch' }),
    ] }));
    renderSignedIn(fake, <PreviewsSection site={blog} />);
    const link = await screen.findByRole('link', { name: 'feature-login--blog.berth.test' });
    expect(link).toHaveAttribute('href', 'http://feature-login--blog.berth.test/');
    expect(screen.getByText('feature/Login')).toBeInTheDocument();
    expect(screen.getByText('Live')).toBeInTheDocument();
    expect(screen.getByText(/the Git host refused the fetch/)).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Branch previews' }).querySelectorAll('tbody tr')).toHaveLength(2);
  });

  it('says so when the site has no previews', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/previews', () => json(200, { items: [] }));
    renderSignedIn(fake, <PreviewsSection site={blog} />);
    expect(await screen.findByText('No branch previews.')).toBeInTheDocument();
    expect(screen.getByText(/BRANCH--blog/)).toBeInTheDocument();
  });
});
