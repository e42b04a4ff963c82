import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Site } from '@berth/api';
import { ServingSection, servingText } from './ServingSection';
import { FakeApi, json, problem, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const blog = { ...site('blog'), createdAt: new Date('2026-11-29T10:00:00Z'), updatedAt: new Date('2026-11-29T10:00:00Z') } as unknown as Site;

describe('servingText', () => {
  it('says what the switches do', () => {
    expect(servingText(undefined)).toMatch(/^Files are served as they are/);
    expect(servingText({ spa: false, cleanUrls: false })).toMatch(/^Files are served as they are/);
    expect(servingText({ spa: true, cleanUrls: false })).toBe('A path without a file serves /index.html.');
    expect(servingText({ spa: true, cleanUrls: true })).toBe('/about serves about.html; a path without a file serves /index.html.');
  });
});

describe('ServingSection', () => {
  it('shows the stored switches and sends both when saved', async () => {
    let changed = 0;
    const fake = new FakeApi()
      .on('PUT', '/sites/blog/serving', (request) => json(200, request.body));
    renderSignedIn(fake, <ServingSection site={{ ...blog, serving: { spa: false, cleanUrls: true } }}
      onChanged={() => { changed += 1; }} />);
    expect(screen.getByText('/about serves about.html.')).toBeInTheDocument();
    const spa = screen.getByRole('checkbox', { name: /Single-page app/ });
    const clean = screen.getByRole('checkbox', { name: /Clean URLs/ });
    expect(spa).not.toBeChecked();
    expect(clean).toBeChecked();

    await userEvent.click(spa);
    await userEvent.click(screen.getByRole('button', { name: 'Save serving settings' }));

    await screen.findByText(/Saved\. \/about serves about\.html; a path without a file serves \/index\.html\./);
    expect(fake.sent('PUT', '/sites/blog/serving')).toHaveLength(1);
    expect(fake.sent('PUT', '/sites/blog/serving')[0].body).toEqual({ spa: true, cleanUrls: true });
    expect(changed).toBe(1);
  });

  it('shows the API\'s refusal and changes nothing', async () => {
    const fake = new FakeApi()
      .on('PUT', '/sites/blog/serving', () => problem(409, 'the site is being deleted'));
    const { container } = renderSignedIn(fake, <ServingSection site={blog} onChanged={() => { throw new Error('not changed'); }} />);
    expect(screen.getByText(/^Files are served as they are/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('checkbox', { name: /Clean URLs/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Save serving settings' }));
    await waitFor(() => expect(container.querySelector('.notice-error')).not.toBeNull());
    expect(screen.queryByText(/^Saved/)).toBeNull();
    expect(screen.getByRole('checkbox', { name: /Clean URLs/ })).toBeChecked();
  });
});
