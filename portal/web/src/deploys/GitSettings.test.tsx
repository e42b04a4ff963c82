import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SiteFromJSON } from '@berth/api';
import { GitSettings, repositoryUrlProblem } from './GitSettings';
import { FakeApi, json, site } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const WEBHOOK = 'https://berth.example/api/v1/hooks/git/blog';
const SOURCE = { repositoryUrl: 'https://git.example/ada/blog.git', branch: 'main', path: 'public', webhookUrl: WEBHOOK, credential: 'none',
  updatedAt: '2026-11-29T10:00:00Z' };
const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAH0OMv35u0Vvi+YiQyFSX6bE4EF+o4bdoFxy63Y0bUw berth-deploy-key-blog';
const KEY_SOURCE = { ...SOURCE, repositoryUrl: 'git@git.example:ada/blog.git', credential: 'deployKey', deployPublicKey: PUBLIC_KEY,
  deployKeyFingerprint: 'SHA256:xgOj/Tx/JMAwx1SW4imFsNDEhhyLDR9wp8H/Vb1HGxc' };
const notFound = () => json(404, { type: 'https://berth.dev/problems/not-found', title: 'Not found', status: 404, detail: "site 'blog' has no Git source" });

function renderGit(fake: FakeApi) {
  return renderSignedIn(fake, <GitSettings site={SiteFromJSON(site('blog'))} />);
}

describe('GitSettings', () => {
  it('saves the source and shows the webhook URL and the secret exactly once, with where to paste them', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', notFound)
      .on('PUT', '/sites/blog/git', () => json(200, { ...SOURCE, secret: 'the-webhook-secret-shown-once' }));
    const user = userEvent.setup();
    renderGit(fake);
    await user.type(await screen.findByLabelText('Repository URL'), 'https://git.example/ada/blog.git');
    expect(screen.getByLabelText('Branch')).toHaveValue('main');
    await user.type(screen.getByLabelText('Folder to publish (optional)'), 'public');
    await user.click(screen.getByRole('button', { name: 'Save Git source' }));

    const secret = await screen.findByLabelText('Webhook secret');
    expect(secret).toHaveValue('the-webhook-secret-shown-once');
    expect(screen.getByLabelText('Webhook URL')).toHaveValue(WEBHOOK);
    expect(fake.sent('PUT', '/sites/blog/git')[0].body).toEqual({ repositoryUrl: 'https://git.example/ada/blog.git', branch: 'main', path: 'public' });
    expect(screen.getByText('GitHub:')).toBeInTheDocument();
    expect(screen.getByText('GitLab:')).toBeInTheDocument();
    expect(screen.getByText('Gitea or Forgejo:')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Copy secret' }));
    expect(await navigator.clipboard.readText()).toBe('the-webhook-secret-shown-once');

    await user.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.queryByLabelText('Webhook secret')).not.toBeInTheDocument();
    expect(screen.queryByDisplayValue(/the-webhook-secret/)).not.toBeInTheDocument();
    expect(screen.getByLabelText('Webhook URL')).toHaveValue(WEBHOOK);
    expect(screen.getByText('https://git.example/ada/blog.git')).toBeInTheDocument();
  });

  it('shows the API\'s refusal of a private address next to the field, and takes the focus there', async () => {
    const message = "the repository host '10.0.0.1' resolves to 10.0.0.1, which is not a public unicast address (loopback, private, link-local, metadata and similar ranges are refused)";
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', notFound)
      .on('PUT', '/sites/blog/git', () => json(400, { type: 'https://berth.dev/problems/validation', title: 'The request is not valid', status: 400,
        detail: `repositoryUrl: ${message}`, errors: [{ field: 'repositoryUrl', message }] }));
    const user = userEvent.setup();
    renderGit(fake);
    const field = await screen.findByLabelText('Repository URL');
    await user.type(field, 'https://10.0.0.1/x.git');
    await user.click(screen.getByRole('button', { name: 'Save Git source' }));
    expect(await screen.findByText(/^The repository host '10.0.0.1' resolves to 10.0.0.1, which is not a public unicast address/)).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(expect.stringContaining('not a public unicast address'));
    await waitFor(() => expect(field).toHaveFocus());
    expect(screen.queryByLabelText('Webhook secret')).not.toBeInTheDocument();
  });

  it('refuses other schemes and credentials before sending anything', async () => {
    expect(repositoryUrlProblem('http://git.example/x.git')).toMatch(/must start with https:\/\//);
    expect(repositoryUrlProblem('git@github.com:you/site.git')).toMatch(/full address/);
    expect(repositoryUrlProblem('git@github.com:you/site.git', 'deployKey')).toBeNull();
    expect(repositoryUrlProblem('ssh://git@github.com/you/site.git', 'deployKey')).toBeNull();
    expect(repositoryUrlProblem('https://github.com/you/site.git', 'deployKey')).toMatch(/ssh address/);
    expect(repositoryUrlProblem('ssh://git:pw@github.com/you/site.git', 'deployKey')).toMatch(/password/);
    expect(repositoryUrlProblem('https://github.com/you/site.git', 'token')).toBeNull();
    expect(repositoryUrlProblem('https://me:pw@git.example/x.git')).toMatch(/user name and password/);
    expect(repositoryUrlProblem('https://git.example/x.git')).toBeNull();
    const fake = new FakeApi().on('GET', '/sites/blog/git', notFound);
    const user = userEvent.setup();
    renderGit(fake);
    await user.type(await screen.findByLabelText('Repository URL'), 'ssh://git.example/x.git');
    await user.clear(screen.getByLabelText('Branch'));
    await user.click(screen.getByRole('button', { name: 'Save Git source' }));
    expect(screen.getByText('The repository URL must start with https:// (for ssh, choose the deploy key; git:// and http are not allowed).')).toBeInTheDocument();
    expect(screen.getByText('Enter the branch to deploy, such as main.')).toBeInTheDocument();
    expect(fake.sent('PUT', '/sites/blog/git')).toHaveLength(0);
  });

  it('shows a saved source without its secret, and removes it after a confirmation', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', () => json(200, SOURCE))
      .on('DELETE', '/sites/blog/git', () => new Response(null, { status: 204 }));
    const user = userEvent.setup();
    renderGit(fake);
    expect(await screen.findByLabelText('Webhook URL')).toHaveValue(WEBHOOK);
    expect(screen.queryByLabelText('Webhook secret')).not.toBeInTheDocument();
    expect(screen.getByText('public')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove Git source…' }));
    await user.click(screen.getByRole('button', { name: 'Remove Git source' }));
    expect(await screen.findByText('Git source removed. Pushes no longer deploy; the live site is unchanged.')).toBeInTheDocument();
    expect(screen.getByLabelText('Repository URL')).toHaveValue('');
    expect(fake.sent('DELETE', '/sites/blog/git')).toHaveLength(1);
  });
  it('deploys the branch head on demand and says where to follow it', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', () => json(200, SOURCE))
      .on('POST', '/sites/blog/redeploy', () => json(202, { id: '6f1c1f0e-0000-4000-8000-000000000001', site: 'blog', source: 'git', status: 'queued', live: false,
        createdAt: '2026-12-05T10:00:00Z', updatedAt: '2026-12-05T10:00:00Z' }));
    const user = userEvent.setup();
    renderGit(fake);
    await user.click(await screen.findByRole('button', { name: 'Deploy the branch now' }));
    expect(await screen.findByText(/Deploying the head of main/)).toBeInTheDocument();
    expect(fake.sent('POST', '/sites/blog/redeploy')).toHaveLength(1);
  });

  it('shows why a redeploy was refused', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', () => json(200, SOURCE))
      .on('POST', '/sites/blog/redeploy', () => json(429, { type: 'https://berth.dev/problems/rate-limited', title: 'Too many requests', status: 429,
        detail: 'the tenant has 20 deploys queued already; redeploy once they ran' }));
    const user = userEvent.setup();
    renderGit(fake);
    await user.click(await screen.findByRole('button', { name: 'Deploy the branch now' }));
    expect(await screen.findByText(/Too many requests/)).toBeInTheDocument();
  });

  it('sets up a deploy key: sends the ssh address, then shows the public key to add at the Git host', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', notFound)
      .on('PUT', '/sites/blog/git', () => json(200, { ...KEY_SOURCE, secret: 'the-webhook-secret-shown-once' }));
    const user = userEvent.setup();
    renderGit(fake);
    await user.click(await screen.findByLabelText('Private, with a deploy key (ssh)'));
    await user.type(screen.getByLabelText('Repository URL'), 'git@git.example:ada/blog.git');
    await user.click(screen.getByRole('button', { name: 'Save Git source' }));
    expect(await screen.findByLabelText('Deploy key (public)')).toHaveValue(PUBLIC_KEY);
    expect(fake.sent('PUT', '/sites/blog/git')[0].body).toEqual({ repositoryUrl: 'git@git.example:ada/blog.git', branch: 'main', path: '',
      credential: 'deployKey' });
    expect(screen.getByText(/read-only/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Copy deploy key' }));
    expect(await navigator.clipboard.readText()).toBe(PUBLIC_KEY);
  });

  it('sends an access token once and never shows it; the saved source says a token is stored', async () => {
    let stored: Record<string, unknown> = SOURCE;
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', notFound)
      .on('PUT', '/sites/blog/git', () => {
        stored = { ...SOURCE, credential: 'token', tokenUsername: 'oauth2' };
        return json(200, { ...stored, secret: 'the-webhook-secret-shown-once' });
      });
    const user = userEvent.setup();
    renderGit(fake);
    await user.click(await screen.findByLabelText('Private, with an access token (https)'));
    await user.type(screen.getByLabelText('Repository URL'), 'https://git.example/ada/blog.git');
    await user.click(screen.getByRole('button', { name: 'Save Git source' }));
    expect(await screen.findByText('Enter the access token.')).toBeInTheDocument();
    expect(fake.sent('PUT', '/sites/blog/git')).toHaveLength(0);
    await user.type(screen.getByLabelText('Token user name (optional)'), 'oauth2');
    await user.type(screen.getByLabelText('Access token'), 'glpat-s3cret');
    expect(screen.getByLabelText('Access token')).toHaveAttribute('type', 'password');
    await user.click(screen.getByRole('button', { name: 'Save Git source' }));
    await screen.findByLabelText('Webhook secret');
    expect(fake.sent('PUT', '/sites/blog/git')[0].body).toEqual({ repositoryUrl: 'https://git.example/ada/blog.git', branch: 'main', path: '',
      credential: 'token', tokenUsername: 'oauth2', token: 'glpat-s3cret' });
    await user.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.getByText('Access token (user oauth2), stored encrypted')).toBeInTheDocument();
    expect(screen.queryByDisplayValue(/glpat/)).not.toBeInTheDocument();
    expect(stored.credential).toBe('token');
  });

  it('shows a deploy key source with the Git host key trusted on first use', async () => {
    const fake = new FakeApi()
      .on('GET', '/sites/blog/git', () => json(200, { ...KEY_SOURCE, hostKeyFingerprint: 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU' }));
    renderGit(fake);
    expect(await screen.findByLabelText('Deploy key (public)')).toHaveValue(PUBLIC_KEY);
    expect(screen.getByText('Deploy key')).toBeInTheDocument();
    expect(screen.getByText('SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU')).toBeInTheDocument();
    expect(screen.getByText(/trusted on first use/)).toBeInTheDocument();
  });
});
