import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SiteFromJSON } from '@berth/api';
import { DeployHistory } from './DeployHistory';
import { FakeApi, ME, deploy, json, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const LIVE = '44444444-4444-4444-4444-444444444444';
const OLD = '55555555-5555-5555-5555-555555555555';
const BROKEN = '66666666-6666-6666-6666-666666666666';
const ROLLBACK = '77777777-7777-7777-7777-777777777777';

function renderHistory(fake: FakeApi) {
  return renderSignedIn(fake, <DeployHistory site={SiteFromJSON(site('blog'))} />);
}

const initial = () => [
  deploy(LIVE, { source: 'git', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', status: 'live', live: true, bytes: 1536000, files: 12,
    liveAt: '2026-11-29T11:00:05Z', createdAt: '2026-11-29T11:00:00Z' }),
  deploy(BROKEN, { status: 'failed', error: 'the host could not install the release', createdAt: '2026-11-29T10:30:00Z' }),
  deploy(OLD, { status: 'superseded', createdAt: '2026-11-29T10:00:00Z' }),
];

describe('DeployHistory', () => {
  it('lists deploys with status, source, commit, size and time, and shows a log on demand', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/deploys', () => json(200, { items: initial() }))
      .on('GET', `/sites/blog/deploys/${BROKEN}`, () => json(200, deploy(BROKEN, { status: 'failed',
        log: ['2026-11-29T10:30:00Z receiving application/zip upload', '2026-11-29T10:30:01Z failed: the host could not install the release'] })));
    const user = userEvent.setup();
    renderHistory(fake);
    const list = await screen.findByRole('list', { name: 'Deploys, newest first' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows).toHaveLength(3);
    expect(within(rows[0]).getByText('Live')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Serving now')).toBeInTheDocument();
    expect(within(rows[0]).getByText('a1b2c3d4e5f6')).toHaveAttribute('title', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678');
    expect(within(rows[0]).getByText('1.5 MiB, 12 files')).toBeInTheDocument();
    expect(within(rows[0]).getAllByText('Git push').length).toBeGreaterThan(0);
    expect(within(rows[1]).getByText('Failed')).toBeInTheDocument();
    expect(within(rows[2]).getByText('Replaced')).toBeInTheDocument();
    // Rollback is offered only to content that was live before.
    expect(within(rows[0]).queryByRole('button', { name: 'Roll back to this…' })).not.toBeInTheDocument();
    expect(within(rows[1]).queryByRole('button', { name: 'Roll back to this…' })).not.toBeInTheDocument();
    expect(within(rows[2]).getByRole('button', { name: 'Roll back to this…' })).toBeInTheDocument();

    const showLog = within(rows[1]).getByRole('button', { name: 'Show log' });
    expect(showLog).toHaveAttribute('aria-expanded', 'false');
    await user.click(showLog);
    expect(showLog).toHaveAttribute('aria-expanded', 'true');
    const log = await within(rows[1]).findByLabelText('Deploy log');
    await waitFor(() => expect(log).toHaveTextContent('failed: the host could not install the release'));
    expect(fake.sent('GET', `/sites/blog/deploys/${BROKEN}`)).toHaveLength(1);
  });

  it('rolls back after a confirmation and follows the new deploy until it is live', async () => {
    let items = initial();
    let rollbackStatus = 'installing';
    const fake = new FakeApi()
      .on('GET', '/sites/blog/deploys', () => json(200, { items }))
      .on('POST', `/sites/blog/deploys/${OLD}/rollback`, () => {
        items = [deploy(ROLLBACK, { source: 'rollback', status: 'installing' }), ...items];
        return json(202, deploy(ROLLBACK, { source: 'rollback', status: 'installing' }));
      })
      .on('GET', `/sites/blog/deploys/${ROLLBACK}`, () => json(200, deploy(ROLLBACK, { source: 'rollback', status: rollbackStatus })));
    const user = userEvent.setup();
    renderHistory(fake);
    const oldRow = (await screen.findAllByRole('listitem')).find((row) => row.dataset.deploy === OLD)!;
    await user.click(within(oldRow).getByRole('button', { name: 'Roll back to this…' }));
    const confirm = within(oldRow).getByRole('button', { name: 'Roll back' });
    expect(confirm).toHaveFocus();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(within(oldRow).getByRole('button', { name: 'Roll back to this…' })).toHaveFocus());
    expect(fake.sent('POST', '/sites/blog/deploys/')).toHaveLength(0);

    await user.click(within(oldRow).getByRole('button', { name: 'Roll back to this…' }));
    await user.click(within(oldRow).getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Rollback: being installed on the host')).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(4));
    rollbackStatus = 'live';
    items = items.map((item) => (item.id === ROLLBACK ? { ...item, status: 'live', live: true }
      : item.id === LIVE ? { ...item, status: 'superseded', live: false } : item));
    expect(await screen.findByText('Rollback: live: visitors see it now', {}, { timeout: 4000 })).toBeInTheDocument();
    expect(fake.sent('POST', `/sites/blog/deploys/${OLD}/rollback`)).toHaveLength(1);
  }, 10000);

  it('shows why a rollback was refused next to the deploy', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/deploys', () => json(200, { items: initial() }))
      .on('POST', `/sites/blog/deploys/${OLD}/rollback`, () => json(409, { type: 'https://berth.dev/problems/conflict', title: 'Conflict', status: 409,
        detail: `the release of deploy ${OLD} is no longer kept (the last 10 are)` }));
    const user = userEvent.setup();
    renderHistory(fake);
    const oldRow = (await screen.findAllByRole('listitem')).find((row) => row.dataset.deploy === OLD)!;
    await user.click(within(oldRow).getByRole('button', { name: 'Roll back to this…' }));
    await user.click(within(oldRow).getByRole('button', { name: 'Roll back' }));
    expect(await within(oldRow).findByRole('alert')).toHaveTextContent(`The release of deploy ${OLD} is no longer kept (the last 10 are).`);
  });

  it('says when there is nothing deployed yet', async () => {
    renderHistory(new FakeApi().on('GET', '/sites/blog/deploys', () => json(200, { items: [] })));
    expect(await screen.findByText('No deploys yet. Upload an archive, or deploy from Git.')).toBeInTheDocument();
  });

  it('downloads the content a deploy published, and says so when the release is no longer kept', async () => {
    const archive = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]);
    const fake = new FakeApi()
      .on('GET', '/sites/blog/deploys', () => json(200, { items: initial() }))
      .on('GET', `/sites/blog/deploys/${LIVE}/archive`, () => new Response(archive, { status: 200,
        headers: { 'Content-Type': 'application/gzip' } }))
      .on('GET', `/sites/blog/deploys/${OLD}/archive`, () => json(410, { type: 'https://berth.dev/problems/gone', title: 'Gone',
        status: 410, detail: 'the release of this deploy is no longer kept' }));
    const saved: { name: string; size: number }[] = [];
    const createObjectURL = URL.createObjectURL;
    const revokeObjectURL = URL.revokeObjectURL;
    const click = HTMLAnchorElement.prototype.click;
    const blobs = new Map<string, Blob>();
    URL.createObjectURL = (blob: Blob) => {
      const url = `blob:test/${blobs.size}`;
      blobs.set(url, blob);
      return url;
    };
    URL.revokeObjectURL = () => undefined;
    HTMLAnchorElement.prototype.click = function clickLink(this: HTMLAnchorElement) {
      saved.push({ name: this.download, size: blobs.get(this.href)?.size ?? -1 });
    };
    try {
      const user = userEvent.setup();
      renderHistory(fake);
      const list = await screen.findByRole('list', { name: 'Deploys, newest first' });
      const rows = within(list).getAllByRole('listitem');
      // A failed deploy published nothing to download.
      expect(within(rows[1]).queryByRole('button', { name: 'Download .tar.gz' })).not.toBeInTheDocument();

      await user.click(within(rows[0]).getByRole('button', { name: 'Download .tar.gz' }));
      await waitFor(() => expect(saved).toEqual([{ name: `blog-${LIVE}.tar.gz`, size: archive.length }]));

      await user.click(within(rows[2]).getByRole('button', { name: 'Download .tar.gz' }));
      expect(await within(rows[2]).findByText(/no longer kept/)).toBeInTheDocument();
      expect(saved).toHaveLength(1);
    } finally {
      URL.createObjectURL = createObjectURL;
      URL.revokeObjectURL = revokeObjectURL;
      HTMLAnchorElement.prototype.click = click;
    }
  });

  it('offers a viewer the log and the download but no rollback', async () => {
    const fake = new FakeApi().on('GET', '/sites/blog/deploys', () => json(200, { items: initial() }));
    renderSignedIn(fake, <DeployHistory site={SiteFromJSON(site('blog'))} />, { me: { ...ME, role: 'viewer' } });
    const oldRow = (await screen.findAllByRole('listitem')).find((row) => row.dataset.deploy === OLD)!;
    expect(within(oldRow).getByRole('button', { name: 'Show log' })).toBeEnabled();
    expect(within(oldRow).getByRole('button', { name: 'Download .tar.gz' })).toBeEnabled();
    expect(within(oldRow).queryByRole('button', { name: 'Roll back to this…' })).not.toBeInTheDocument();
  });
});
