import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SiteFromJSON } from '@berth/api';
import { BuildTail, DeploySection } from './DeploySection';
import { SitePage } from '../pages/SitePage';
import { FakeApi, deploy, json, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const TENANT = {
  id: '00000000-0000-0000-0000-0000000000aa', name: 'ada', createdAt: '2026-11-29T10:00:00Z',
  quota: { maxSites: 5, maxRunningSites: 5, cpuMillicores: 1000, memoryMib: 512, pids: 256, diskMib: 1024, maxUploadMib: 1, apiRequestsPerMinute: 600 },
  usage: { sites: 1, runningSites: 1 },
};
const ID = '33333333-3333-3333-3333-333333333333';

function archive(name: string, bytes = 4096): File {
  return new File([new Uint8Array(bytes)], name);
}

function withTenant(fake: FakeApi): FakeApi {
  return fake.on('GET', '/tenant', () => json(200, TENANT));
}

function renderSection(fake: FakeApi) {
  return renderSignedIn(withTenant(fake), <DeploySection site={SiteFromJSON(site('blog'))} />);
}

describe('BuildTail', () => {
  it('shows the last twelve lines the build printed, without the deploy log\'s own lines', () => {
    const log = ['2026-12-07T00:00:00Z receiving application/zip upload', '2026-12-07T00:00:01Z building with `a | b`, publishing public/'];
    for (let line = 1; line <= 14; line++) {
      log.push(`2026-12-07T00:00:0${line % 10}Z | line ${line}`);
    }
    renderSignedIn(new FakeApi(), <BuildTail log={log} />);
    const output = screen.getByLabelText('Build output');
    expect(output.textContent?.split('\n')).toEqual(Array.from({ length: 12 }, (_, index) => `line ${index + 3}`));
  });
});

describe('DeploySection', () => {
  it('uploads with a real progress bar, the token in a header, and follows the deploy until it is live', async () => {
    let status = 'installing';
    let release = () => undefined as void;
    const fake = new FakeApi()
      .on('POST', '/sites/blog/deploys', () => json(202, deploy(ID, { status: 'installing' })))
      .on('GET', `/sites/blog/deploys/${ID}`, () => json(200, deploy(ID, { status, live: status === 'live' })));
    fake.uploadPause = new Promise<void>((resolve) => {
      release = resolve;
    });
    const user = userEvent.setup();
    renderSection(fake);
    await screen.findByText(/Up to 1 MiB/);
    await user.upload(screen.getByLabelText('Archive (.zip or .tar.gz)'), archive('site.tar.gz'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));

    const bar = await screen.findByRole('progressbar', { name: 'Uploading site.tar.gz' });
    await waitFor(() => expect(bar).toHaveAttribute('aria-valuenow', '50'));
    expect(screen.getByText('50% · 2 KiB of 4 KiB')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Uploading…' })).toBeDisabled();
    release();
    await waitFor(() => expect(screen.getByRole('progressbar', { name: 'Uploaded site.tar.gz' })).toHaveAttribute('aria-valuenow', '100'));
    expect(await screen.findByText(/Deploy of site.tar.gz: being installed on the host/)).toBeInTheDocument();

    const sent = fake.sent('POST', '/sites/blog/deploys');
    expect(sent).toHaveLength(1);
    expect(sent[0].headers.get('Content-Type')).toBe('application/gzip');
    expect(sent[0].headers.get('Authorization')).toBe('Bearer access-1');
    expect(sent[0].path).toBe('/sites/blog/deploys');
    expect((sent[0].body as File).name).toBe('site.tar.gz');

    status = 'live';
    expect(await screen.findByText(/Deploy of site.tar.gz: live: visitors see it now/, {}, { timeout: 4000 })).toBeInTheDocument();
    // The form is ready for the next upload at once.
    expect(screen.getByRole('button', { name: 'Upload and deploy' })).toBeEnabled();
  }, 10000);

  it('says in plain words why the host refused, next to the upload, and shows the failed deploy in the history', async () => {
    let items: unknown[] = [];
    const fake = withTenant(new FakeApi())
      .on('GET', '/sites/blog', () => json(200, site('blog', { observedState: 'provisioning' })))
      .on('GET', '/sites/blog/git', () => json(404, { status: 404, title: 'Not found', detail: 'no Git source' }))
      .on('GET', '/sites/blog/deploys', () => json(200, { items }))
      .on('POST', '/sites/blog/deploys', () => {
        items = [deploy(ID, { status: 'failed', error: 'the host could not install the release: not ready' })];
        return json(503, { type: 'https://berth.dev/problems/unavailable', title: 'The service is temporarily unavailable', status: 503,
          detail: 'the host is not ready for this site yet; retry in a few seconds' });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <SitePage />, { path: '/sites/blog', route: '/sites/:siteName' });
    expect(await screen.findByText('No deploys yet. Upload an archive, or deploy from Git.')).toBeInTheDocument();
    await user.upload(await screen.findByLabelText('Archive (.zip or .tar.gz)'), archive('site.zip'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    expect(await screen.findByText('Not deployed: The host is not ready for this site yet; retry in a few seconds. Your live site is unchanged.'))
      .toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Uploaded site.zip' })).toHaveAttribute('aria-valuenow', '100');
    expect(fake.sent('POST', '/sites/blog/deploys')[0].headers.get('Content-Type')).toBe('application/zip');
    const history = await screen.findByRole('list', { name: 'Deploys, newest first' });
    expect(within(history).getByText('Failed')).toBeInTheDocument();
    expect(within(history).getByText(/Why it failed: the host could not install the release/)).toBeInTheDocument();
  });

  it('explains a refused archive, a too large one and a wrong type in plain words', async () => {
    let answer = json(422, { type: 'https://berth.dev/problems/content-refused', title: 'The content breaks a rule and was not deployed', status: 422,
      detail: "entry '../evil' leaves the archive (a '..' segment)", errors: [{ field: 'body', message: "entry '../evil' leaves the archive (a '..' segment)" }] });
    const fake = new FakeApi().on('POST', '/sites/blog/deploys', () => answer);
    const user = userEvent.setup();
    renderSection(fake);
    const input = await screen.findByLabelText('Archive (.zip or .tar.gz)');
    await user.upload(input, archive('evil.zip'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "The archive was refused: Entry '../evil' leaves the archive (a '..' segment). Your live site is unchanged.");

    answer = json(413, { type: 'https://berth.dev/problems/payload-too-large', title: 'The request body is too large', status: 413,
      detail: "the upload is larger than the tenant's maxUploadMib (1 MiB)" });
    await user.upload(input, archive('big.zip'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    expect(await screen.findByText("The archive is too large. The upload is larger than the tenant's maxUploadMib (1 MiB). Your live site is unchanged."))
      .toBeInTheDocument();

    answer = json(415, { type: 'https://berth.dev/problems/unsupported-media-type', title: 'Unsupported', status: 415,
      detail: 'upload a zip (application/zip) or a tar.gz (application/gzip)' });
    await user.upload(input, archive('site.tgz'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    expect(await screen.findByText('Berth takes a .zip or a .tar.gz archive only. Your live site is unchanged.')).toBeInTheDocument();
  });

  it('refuses locally what the API would refuse anyway: no file, another type, over the upload limit', async () => {
    const fake = new FakeApi();
    const user = userEvent.setup({ applyAccept: false });
    renderSection(fake);
    await screen.findByText(/Up to 1 MiB/);
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    const input = screen.getByLabelText('Archive (.zip or .tar.gz)');
    expect(screen.getByText('Choose a .zip or .tar.gz archive of your site first.')).toBeInTheDocument();
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveFocus();
    await user.upload(input, archive('site.rar'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    expect(screen.getByText('site.rar is not a .zip or .tar.gz archive.')).toBeInTheDocument();
    await user.upload(input, archive('huge.zip', 2 * 1024 * 1024));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    expect(screen.getByText("huge.zip is 2 MiB; your tenant's upload limit is 1 MiB.")).toBeInTheDocument();
    expect(fake.sent('POST', '/sites/blog/deploys')).toHaveLength(0);
  });

  it('cancels an upload under way', async () => {
    const fake = new FakeApi().on('POST', '/sites/blog/deploys', () => json(202, deploy(ID)));
    fake.uploadPause = new Promise<void>(() => undefined);
    const user = userEvent.setup();
    renderSection(fake);
    await user.upload(await screen.findByLabelText('Archive (.zip or .tar.gz)'), archive('site.zip'));
    await user.click(screen.getByRole('button', { name: 'Upload and deploy' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel upload' }));
    expect(await screen.findByText('Upload cancelled. Your live site is unchanged.')).toBeInTheDocument();
    expect(fake.sent('POST', '/sites/blog/deploys')).toHaveLength(0);
  });
});
