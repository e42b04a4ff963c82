import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Site } from '@berth/api';
import { BuildSection } from './BuildSection';
import { FakeApi, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

describe('BuildSection', () => {
  it('starts from a preset, saves the step and removes it', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/build', () => problem(404, 'the site blog has no build step'))
      .on('PUT', '/sites/blog/build', (request) => json(200, request.body))
      .on('DELETE', '/sites/blog/build', () => new Response(null, { status: 204 }));
    renderSignedIn(fake, <BuildSection site={blog} />);
    await screen.findByText(/Deploys publish their files as they are\./);

    await userEvent.click(screen.getByRole('button', { name: 'MkDocs' }));
    expect(screen.getByRole('textbox', { name: 'Build command' })).toHaveValue('mkdocs build');
    expect(screen.getByRole('textbox', { name: 'Output folder' })).toHaveValue('site');
    await userEvent.click(screen.getByRole('button', { name: 'Save build step' }));

    await screen.findByText(/^Saved\./);
    expect(fake.sent('PUT', '/sites/blog/build')[0].body).toEqual({ command: 'mkdocs build', outputDirectory: 'site' });
    expect(screen.getByText('mkdocs build', { selector: 'code' })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Remove build step' }));
    await screen.findByText(/^Removed\./);
    expect(fake.sent('DELETE', '/sites/blog/build')).toHaveLength(1);
  });

  it('shows a refused field next to it and keeps what was typed', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/build', () => json(200, { command: 'hugo', outputDirectory: 'public' }))
      .on('PUT', '/sites/blog/build', () => problem(422, 'invalid', [{ field: 'outputDirectory', message: 'must be a relative folder' }]));
    renderSignedIn(fake, <BuildSection site={blog} />);
    await screen.findByText('hugo', { selector: 'code' });
    const output = screen.getByRole('textbox', { name: 'Output folder' });
    await userEvent.clear(output);
    await userEvent.type(output, '../etc');
    await userEvent.click(screen.getByRole('button', { name: 'Save build step' }));
    await waitFor(() => expect(output).toHaveAttribute('aria-invalid', 'true'));
    expect(output).toHaveValue('../etc');
    expect(screen.queryByText(/^Saved/)).toBeNull();
  });
});
