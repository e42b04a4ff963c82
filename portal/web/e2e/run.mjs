// End-to-end tests of the portal: Debian's Chromium (never a downloaded browser), driven by
// playwright-core, against the real API started from its jar. Prints "N passed, N failed".
// Environment: BERTH_API_JAR (the -all jar), BERTH_E2E_OUTPUT (where screenshots and logs go),
// CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer, request as httpRequest } from 'node:http';
import { startStack } from './stack.mjs';
import { hostdUnavailable, startHostd } from './hostd.mjs';
import { siteZip, zip } from './archives.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const jar = resolve(process.env.BERTH_API_JAR ?? join(here, '../../../api/target/berth-api-0.1.0-SNAPSHOT-all.jar'));
const output = resolve(process.env.BERTH_E2E_OUTPUT ?? join(here, '../../target'));
const screenshots = join(output, 'screenshots');
mkdirSync(screenshots, { recursive: true });

const ADMIN_EMAIL = 'admin@berth.localhost';
const ADMIN_PASSWORD = 'e2e-admin-password-42';
const run = Date.now().toString(36);
const user = { email: `ada-${run}@example.test`, password: 'correct horse battery staple', tenant: `ada-${run}` };
const siteName = `shop-${run}`;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Accessibility findings (axe-core, WCAG 2.1 A/AA) of every page that was screenshotted. */
const accessibilityFindings = [];
const accessibilityChecked = [];

const tests = [];
const test = (name, body) => tests.push({ name, body });
/** Flows against a second API that drives a real hostd (root only); skipped, and said so, elsewhere. */
const hostTests = [];
const hostTest = (name, body) => hostTests.push({ name, body });
/** Checks over everything the flows above saw; they run last. */
const finalTests = [];
const finalTest = (name, body) => finalTests.push({ name, body });

/** Every URL the browser asked for, to prove that no credential ever travels in one. */
const requestedUrls = [];

async function newPage(browser, baseUrl, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('request', (request) => requestedUrls.push(request.url()));
  page.on('pageerror', (error) => console.error(`  page error: ${error.message}`));
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  // Through the DevTools protocol, not a <script> tag: the portal's Content-Security-Policy (script-src 'self')
  // rightly refuses an inline script, and the test must not weaken it.
  const devtools = await page.context().newCDPSession(page);
  await devtools.send('Runtime.evaluate', { expression: axeSource });
  await devtools.detach();
  const { passes, violations } = await page.evaluate(async () => {
    const results = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return {
      passes: results.passes.length,
      violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })),
    };
  });
  accessibilityChecked.push(`${name}: ${passes} rules passed`);
  for (const violation of violations) {
    accessibilityFindings.push({ page: name, ...violation });
  }
}

async function logIn(page, email, password) {
  await page.goto('/login');
  // Keyboard only: the form must work without a mouse.
  await page.getByLabel('E-mail address').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Sites' }).waitFor();
}

/** Submits the login form on the open login page and waits for the refusal (`alertText`, if given); nobody gets in. */
async function logInRefused(page, email, password, alertText) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await (alertText ? page.getByRole('alert').filter({ hasText: alertText }) : page.getByRole('alert')).waitFor();
  assert.equal(await page.getByRole('heading', { level: 1, name: 'Log in' }).count(), 1, `${email} is not let in`);
}

async function noHorizontalScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
}

let tokenSecret = null;
let webhookSecret = null;
/** The repository the e2e API's allowlist lets through (nothing listens there: fetches fail). */
const ALLOWLISTED_REPOSITORY = 'https://127.0.0.1:9/ada/site.git';

test('a new user signs up, creates a site and sees it listed with its addresses', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await shot(page, '01-login');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
  await page.getByLabel('E-mail address').fill(user.email);
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Tenant name').fill('Ada Team');
  await page.getByText('Use lower-case letters only.').waitFor();
  await page.getByLabel('Tenant name').fill(user.tenant);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Use at least 12 characters (5 so far).').waitFor();
  await shot(page, '02-signup-errors');
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sites' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'All tenants' }).count(), 0, 'a tenant sees no admin pages');

  const nameField = page.getByLabel('Site name');
  await nameField.fill('www');
  await page.getByText('"www" is reserved by the platform.').waitFor();
  await nameField.fill('-shop');
  await page.getByText('A name cannot start or end with a hyphen.').waitFor();
  await nameField.fill(siteName);
  // The API says whether the name is free (without saying who holds a taken one), and where it will live.
  const free = page.getByText(/is free: your site will be at/);
  await free.waitFor();
  assert.equal(await free.textContent(), `${siteName} is free: your site will be at ${siteName}.localhost`);
  await shot(page, '03-sites-create');
  await page.getByRole('button', { name: 'Create site' }).click();
  const card = page.locator(`[data-site="${siteName}"]`);
  await card.waitFor();
  await card.getByText(`${siteName}.localhost`).waitFor();
  assert.match(await card.textContent(), /IPv4\s*10\.1\.1\.\d+/);
  assert.match(await card.textContent(), /IPv6\s*f[cd][0-9a-f:]+/i);
  assert.match(await card.locator('.badge').textContent(), /Provisioning/);
  // The API said it was being provisioned: the same name again is refused at the field, in words.
  await nameField.fill(siteName);
  await page.getByText('You already have a site with this name.').waitFor();
  await nameField.fill('');
  await shot(page, '04-sites-list');
  await page.context().close();
});

test('the user uploads a zip with a real progress bar; the host refusal and the failed deploy are shown in plain words', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  const uploads = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/deploys')) {
      uploads.push({ url: request.url(), authorization: request.headers().authorization ?? '', type: request.headers()['content-type'] });
    }
  });
  await logIn(page, user.email, user.password);
  await page.getByRole('link', { name: siteName, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: siteName }).waitFor();
  const deploySection = page.getByRole('region', { name: 'Deploy', exact: true });
  const history = page.getByRole('region', { name: 'Deploy history' });
  await history.getByText('No deploys yet.').waitFor();

  await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: 'site.zip', mimeType: 'application/zip', buffer: siteZip(`hello ${run}`) });
  await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
  // Without hostd the API unpacks the whole upload, then cannot install it: it answers 503.
  const alert = deploySection.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.textContent(),
    'Not deployed: The host is not ready for this site yet; retry in a few seconds. Your live site is unchanged.');
  const bar = deploySection.getByRole('progressbar', { name: 'Uploaded site.zip' });
  assert.equal(await bar.getAttribute('aria-valuenow'), '100', 'every byte was sent');
  assert.match(await deploySection.textContent(), /100% · 1\.5 MiB of 1\.5 MiB/);
  assert.equal(uploads.length, 1);
  assert.match(uploads[0].authorization, /^Bearer eyJ/, 'the upload carries the session in its Authorization header');
  assert.equal(uploads[0].type, 'application/zip');
  assert.equal(new URL(uploads[0].url).search, '', 'nothing in the upload URL but the path');

  const failed = history.locator('li[data-status="failed"]');
  await failed.first().waitFor();
  assert.equal(await failed.count(), 1);
  assert.match(await failed.textContent(), /Upload/);
  // A deploy that failed at install time keeps the counts of what was unpacked.
  assert.match(await failed.textContent(), /Size1\.\d MiB, 2 files/);
  assert.match(await failed.textContent(), /Why it failed: the host could not install the release/);
  await failed.getByRole('button', { name: 'Show log' }).click();
  const log = failed.getByLabel('Deploy log');
  await log.waitFor();
  assert.match(await log.textContent(), /receiving application\/zip upload/);
  assert.match(await log.textContent(), /unpacked 2 files/);
  await shot(page, '04a-site-upload-host-not-ready');

  // An archive that tries to leave its folder is refused by the API's unpacker, named in the message.
  await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: 'evil.zip', mimeType: 'application/zip',
    buffer: zip([{ name: 'index.html', data: 'ok' }, { name: '../evil.html', data: 'escape' }]) });
  await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
  await deploySection.getByRole('alert').filter({ hasText: 'The archive was refused:' }).waitFor();
  const refusal = await deploySection.getByRole('alert').textContent();
  assert.match(refusal, /^The archive was refused: .*\.\.\/evil\.html.* Your live site is unchanged\.$/);
  await history.locator('li[data-status="failed"]').nth(1).waitFor();
  await shot(page, '04b-site-upload-refused');
  await page.context().close();
});

test('the user sets up Git: a private address is refused at the field, then the webhook secret is shown once and a signed push queues a deploy', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await logIn(page, user.email, user.password);
  await page.getByRole('link', { name: siteName, exact: true }).click();
  const git = page.getByRole('region', { name: 'Git' });
  const urlField = git.getByLabel('Repository URL');
  await urlField.fill('https://10.0.0.1/x.git');
  await git.getByRole('button', { name: 'Save Git source' }).click();
  await git.getByText(/resolves to 10\.0\.0\.1, which is not a public unicast address/).waitFor();
  assert.equal(await urlField.getAttribute('aria-invalid'), 'true');
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
  await shot(page, '04c-site-git-refused');

  await urlField.fill(ALLOWLISTED_REPOSITORY);
  await git.getByLabel('Folder to publish (optional)').fill('public');
  await git.getByRole('button', { name: 'Save Git source' }).click();
  const secretField = git.getByLabel('Webhook secret');
  await secretField.waitFor();
  webhookSecret = await secretField.inputValue();
  assert.ok(webhookSecret.length >= 32, 'a long random secret');
  const webhookUrl = await git.getByLabel('Webhook URL').inputValue();
  assert.equal(webhookUrl, `${baseUrl}/api/v1/hooks/git/${siteName}`);
  await git.getByRole('button', { name: 'Copy secret' }).click();
  await git.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), webhookSecret);
  await git.getByText('Gitea or Forgejo:').waitFor();
  await shot(page, '04d-site-git-secret');
  await git.getByRole('button', { name: 'I have saved it' }).click();
  assert.equal(await secretField.count(), 0, 'the secret is gone once dismissed');

  // A push as GitHub signs it: the API queues a Git deploy, which fails to fetch (nothing serves the repository).
  const commit = 'c0ffee'.padEnd(40, '0');
  const payload = JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { full_name: 'ada/site' } });
  const delivery = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomUUID(),
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', webhookSecret).update(payload).digest('hex')}` },
    body: payload,
  });
  assert.equal(delivery.status, 202);
  assert.equal((await delivery.json()).outcome, 'queued');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: siteName }).waitFor();
  assert.ok(!(await page.content()).includes(webhookSecret), 'a reload never shows the secret again');
  const gitDeploy = page.getByRole('region', { name: 'Deploy history' }).locator('li', { hasText: 'Git push' });
  await gitDeploy.first().waitFor();
  assert.match(await gitDeploy.first().textContent(), /c0ffee000000/);
  await page.getByRole('region', { name: 'Deploy history' }).locator('li[data-status="failed"]', { hasText: 'Git push' }).waitFor({ timeout: 30000 });
  await shot(page, '04e-site-git-deploy-failed');

  await git.getByRole('button', { name: 'Remove Git source…' }).click();
  await git.getByRole('button', { name: 'Remove Git source', exact: true }).click();
  await git.getByText('Git source removed.').waitFor();
  const gone = await fetch(webhookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: payload });
  assert.equal(gone.status, 404, 'the webhook stops working once Git is removed');
  await page.context().close();
});

test('the site page shows usage, recent requests, custom domains and the certificate; a refused domain is explained at the field', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await logIn(page, user.email, user.password);
  await page.getByRole('link', { name: siteName, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: siteName }).waitFor();
  // No hostd here: the graphs wait for figures, and the log says why it cannot be read.
  const usage = page.getByRole('region', { name: 'Usage', exact: true });
  await usage.getByRole('img', { name: /^CPU/ }).waitFor();
  assert.equal(await usage.getByRole('img').count(), 3, 'CPU, memory and requests');
  await usage.getByText(/The figures appear as the host reports them/).waitFor();
  const requests = page.getByRole('region', { name: 'Recent requests', exact: true });
  await requests.getByRole('alert').filter({ hasText: 'cannot be asked for its access log right now' }).waitFor();
  const certificate = page.getByRole('region', { name: 'HTTPS certificate' });
  await certificate.getByText(/cannot be read right now|plain HTTP/).waitFor();

  const domains = page.getByRole('region', { name: 'Custom domains' });
  await domains.getByText('No custom domain yet.').waitFor();
  const field = domains.getByRole('textbox', { name: 'Custom domain' });
  await field.fill('https://www.example.org/');
  await domains.getByRole('button', { name: 'Add domain' }).click();
  await domains.getByText('Enter the name only, without https:// or a path.').waitFor();
  // Refused by the API (names under the platform domain are the platform's): its problem, in words, at the field.
  await field.fill(`other.${siteName}.localhost`);
  await domains.getByRole('button', { name: 'Add domain' }).click();
  await domains.getByText('Names under localhost belong to the platform; use the site\'s own name.').waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await field.getAttribute('aria-describedby') ?? '', /error/);
  await shot(page, '04f-site-usage-domains');
  await page.context().close();
});

test('the user stops the site and deletes it, following each operation without blocking the page', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await logIn(page, user.email, user.password);
  await page.getByRole('link', { name: siteName, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: siteName }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/sites/${siteName}`);
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByText(`Stopping ${siteName}:`).waitFor();
  await page.getByText('Wanted: stopped').waitFor();
  // The page stays usable while the host works: the other action is offered at once.
  await page.getByRole('button', { name: 'Start' }).waitFor();
  await shot(page, '05-site-stopping');

  // A reload of a client-side route: served by the API's fallback, the session renewed silently.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: siteName }).waitFor();
  await page.getByText('Wanted: stopped').waitFor();
  await page.getByText(`Stopping ${siteName}:`).waitFor(); // still followed after the reload

  await page.getByRole('button', { name: 'Delete site…' }).click();
  const confirm = page.getByRole('button', { name: `Delete ${siteName}` });
  assert.ok(await confirm.isDisabled(), 'delete needs the name typed first');
  await page.getByLabel(`Type ${siteName} to confirm`).fill(siteName);
  await shot(page, '06-site-delete-confirm');
  await confirm.click();
  await page.getByText(`Deleting ${siteName}:`).waitFor();
  await page.locator('.badge[data-state="deleting"]').waitFor();
  await page.getByText('This site is being deleted.').waitFor();
  await shot(page, '07-site-deleting');
  await page.getByRole('link', { name: 'Sites', exact: true }).first().click();
  await page.locator(`[data-site="${siteName}"] .badge[data-state="deleting"]`).waitFor();
  await page.context().close();
});

test('the user creates a token, copies its secret once, uses it, and revokes it', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await logIn(page, user.email, user.password);
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('heading', { level: 1, name: 'Access tokens' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('ci-deploy');
  await page.getByLabel('Write (create, start, stop, delete)').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const secretField = page.getByLabel('Token secret');
  await secretField.waitFor();
  tokenSecret = await secretField.inputValue();
  assert.match(tokenSecret, /^berth_pat_/);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), tokenSecret);
  await shot(page, '08-token-created');

  const me = await fetch(`${baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${tokenSecret}` } });
  assert.equal(me.status, 200, 'the new token works for scripts');

  await page.getByRole('button', { name: 'I have saved it' }).click();
  assert.equal(await secretField.count(), 0, 'the secret is gone once dismissed');
  const row = page.locator('[data-token="ci-deploy"]');
  await row.waitFor();
  assert.match(await row.textContent(), /read, write/);
  await shot(page, '09-tokens-list');
  await row.getByRole('button', { name: 'Revoke…' }).click();
  await row.getByRole('button', { name: 'Revoke ci-deploy' }).click();
  await page.getByText('Token ci-deploy revoked.').waitFor();
  await row.waitFor({ state: 'detached' });
  const after = await fetch(`${baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${tokenSecret}` } });
  assert.equal(after.status, 401, 'a revoked token is refused');
  await page.context().close();
});

/** A webhook receiver on loopback that checks each delivery per Standard Webhooks with node's own crypto. */
async function startReceiver() {
  const received = [];
  let secret = null;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = request.headers['webhook-id'];
      const timestamp = request.headers['webhook-timestamp'];
      let valid = false;
      if (secret && id && timestamp) {
        const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
          .update(`${id}.${timestamp}.`).update(body).digest('base64');
        valid = String(request.headers['webhook-signature'] ?? '').split(' ').some((signature) => signature === `v1,${expected}`)
          && Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
      }
      received.push({ id, valid, event: JSON.parse(body.toString('utf8')) });
      response.writeHead(204).end();
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${server.address().port}/berth-events`,
    received,
    setSecret: (value) => { secret = value; },
    close: () => new Promise((done) => server.close(done)),
  };
}

test('the user adds a webhook endpoint, copies its secret once, sends a test event that arrives signed, redelivers it and chooses e-mail notifications', async ({ browser, baseUrl }) => {
  const receiver = await startReceiver();
  try {
    const page = await newPage(browser, baseUrl);
    await logIn(page, user.email, user.password);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByLabel('URL', { exact: true }).fill('http://10.0.0.1/hook');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText(/not a public unicast address/).waitFor();
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('CI');
    await page.getByLabel(/Site created/, { exact: false }).first().check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretField = page.getByLabel('Signing secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    receiver.setSecret(secret);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await shot(page, '09b-webhook-secret');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    assert.equal(await secretField.count(), 0, 'the secret is gone once dismissed');

    const card = page.locator(`[data-endpoint="${receiver.url}"]`);
    await card.waitFor();
    await card.getByRole('button', { name: 'Send a test event' }).click();
    const table = card.getByRole('table');
    await table.getByText('Delivered').waitFor({ timeout: 15000 });
    await table.getByRole('cell', { name: '204' }).first().waitFor();
    const test = receiver.received.find((delivery) => delivery.event.type === 'webhook.test');
    assert.ok(test, 'the test event reached the receiver');
    assert.ok(test.valid, 'its signature verifies with the secret shown once');
    await table.getByRole('button', { name: /^Redeliver webhook.test/ }).click();
    for (let wait = 0; wait < 100 && receiver.received.filter((delivery) => delivery.id === test.id).length < 2; wait++) {
      await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(receiver.received.filter((delivery) => delivery.id === test.id).length, 2, 'the redelivery carries the same webhook-id');
    assert.ok(receiver.received.every((delivery) => delivery.valid), 'every delivery verifies');

    await page.getByLabel(/Deploy failed/).last().check();
    await page.getByRole('button', { name: 'Save notifications' }).click();
    await page.getByText('Saved.').waitFor();
    await shot(page, '09c-webhooks-deliveries');
    await page.context().close();
  } finally {
    await receiver.close();
  }
});

test('the tenant page shows quota and usage as bars, and logging out ends the session', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await logIn(page, user.email, user.password);
  await page.getByRole('link', { name: 'Tenant' }).click();
  const sites = page.getByRole('meter', { name: 'Sites', exact: true });
  await sites.waitFor();
  assert.equal(await sites.getAttribute('aria-valuenow'), '1');
  await shot(page, '10-tenant');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('You are logged out.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing of the session is left in the tab');
  await page.goto('/tenant');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.context().close();
});

test('the portal is usable 375 px wide', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl, { width: 375, height: 812 });
  await logIn(page, user.email, user.password);
  await page.locator(`[data-site="${siteName}"]`).waitFor();
  await noHorizontalScroll(page);
  await shot(page, '11-phone-sites');
  await page.getByRole('link', { name: siteName, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: siteName }).waitFor();
  const failed = page.getByRole('region', { name: 'Deploy history' }).locator('li[data-status="failed"]').first();
  await failed.getByRole('button', { name: 'Show log' }).click();
  await failed.getByLabel('Deploy log').waitFor();
  await noHorizontalScroll(page);
  await shot(page, '12-phone-site');
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('heading', { level: 1, name: 'Access tokens' }).waitFor();
  await noHorizontalScroll(page);
  await page.context().close();
});

test('an admin raises a tenant\'s quota (with If-Match) and sees every site', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  const quotaWrites = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().includes('/quota')) {
      quotaWrites.push(request.headers()['if-match']);
    }
  });
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'All tenants' }).click();
  const card = page.locator(`[data-tenant="${user.tenant}"]`);
  await card.waitFor();
  const before = Number(await card.getByRole('meter', { name: 'Sites', exact: true }).getAttribute('aria-valuemax'));
  await card.getByRole('button', { name: `Edit quota of ${user.tenant}` }).click();
  const field = card.getByRole('textbox', { name: 'Sites', exact: true });
  await field.waitFor();
  assert.equal(Number(await field.inputValue()), before);
  await field.fill(String(before + 5));
  await shot(page, '13-admin-quota-edit');
  await card.getByRole('button', { name: 'Save quota' }).click();
  await page.getByText(`Quota of ${user.tenant} saved.`).waitFor();
  await page.waitForFunction(([name, value]) => document.querySelector(`[data-tenant="${name}"] [role=meter][aria-label=Sites]`)
    ?.getAttribute('aria-valuemax') === value, [user.tenant, String(before + 5)]);
  assert.equal(quotaWrites.length, 1);
  assert.ok(quotaWrites[0] && quotaWrites[0].length > 0, 'the quota is written with If-Match');
  await shot(page, '14-admin-tenants');

  await page.getByRole('link', { name: 'All sites' }).click();
  const row = page.locator(`tr[data-site="${siteName}"]`);
  await row.waitFor();
  const text = await row.textContent();
  assert.ok(text.includes(user.tenant), 'the row names the tenant');
  assert.match(text, /10\.1\.1\.\d+/);
  assert.match(text, /Deleting/);
  await shot(page, '15-admin-sites');

  // No hostd behind this API: the host page says so rather than showing stale figures.
  await page.getByRole('link', { name: 'Host health' }).click();
  await page.getByRole('heading', { level: 1, name: 'Host health' }).waitFor();
  await page.locator('[data-health="unreachable"]').waitFor();
  await page.getByRole('alert').filter({ hasText: 'hostd cannot be reached:' }).waitFor();
  await shot(page, '15a-admin-host-unreachable');
  await page.context().close();
});

/** Signs up through the API (the portal's sign-up form has its own flow above). */
async function signUp(baseUrl, owner) {
  const signup = await fetch(`${baseUrl}/api/v1/signup`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: owner.email, password: owner.password, tenantName: owner.tenant }) });
  assert.equal(signup.status, 201);
}

test('the platform admin suspends a tenant with a reason: its user still reads but a write is refused as suspended; unsuspended, the write goes through', async ({ browser, baseUrl }) => {
  const held = { email: `hold-${run}@example.test`, password: 'suspended horse battery staple', tenant: `hold-${run}` };
  await signUp(baseUrl, held);
  const admin = await newPage(browser, baseUrl);
  await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.getByRole('link', { name: 'All tenants' }).click();
  const card = admin.locator(`[data-tenant="${held.tenant}"]`);
  await card.getByRole('button', { name: `Suspend ${held.tenant}…` }).click();
  const reason = `phishing pages reported ${run}`;
  await admin.getByLabel('Reason (the tenant sees it)').fill(reason);
  await shot(admin, '15b-admin-suspend-reason');
  await admin.getByRole('button', { name: 'Suspend', exact: true }).click();
  await admin.getByText(`${held.tenant} is suspended.`).waitFor();
  await card.getByRole('alert').filter({ hasText: /^Suspended since .*/ }).filter({ hasText: reason }).waitFor();
  await card.getByRole('button', { name: `Unsuspend ${held.tenant}` }).waitFor();
  await shot(admin, '15c-admin-tenant-suspended');

  // The tenant's user logs in and reads, but creating a site is refused with the suspension in words.
  const page = await newPage(browser, baseUrl);
  await logIn(page, held.email, held.password);
  await page.getByText('You have no site yet. Create one above.').waitFor();
  const site = `held-${run}`;
  await page.getByLabel('Site name').fill(site);
  await page.getByText(/is free: your site will be at/).waitFor();
  await page.getByRole('button', { name: 'Create site' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: /suspended/ });
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /suspended by the platform's operator/);
  assert.equal(await page.locator(`[data-site="${site}"]`).count(), 0, 'nothing was created');
  await shot(page, '15d-suspended-tenant-write-refused');

  await card.getByRole('button', { name: `Unsuspend ${held.tenant}` }).click();
  await admin.getByText(`${held.tenant} is no longer suspended.`).waitFor();
  await card.getByRole('button', { name: `Suspend ${held.tenant}…` }).waitFor();
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.locator(`[data-site="${site}"]`).waitFor();
  await admin.context().close();
  await page.context().close();
});

test('a user signs out another session and changes the password on the Account page, then logs in with the new one; "Forgot your password?" answers neutrally', async ({ browser, baseUrl }) => {
  const owner = { email: `kay-${run}@example.test`, password: 'first correct horse battery', tenant: `kay-${run}` };
  const newPassword = 'second correct horse battery';
  await signUp(baseUrl, owner);
  const elsewhere = await newPage(browser, baseUrl);
  await logIn(elsewhere, owner.email, owner.password);
  const page = await newPage(browser, baseUrl);
  await logIn(page, owner.email, owner.password);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  const sessions = page.getByRole('list', { name: 'Your sessions' }).getByRole('listitem');
  await sessions.nth(1).waitFor();
  assert.equal(await sessions.count(), 2);
  const current = sessions.filter({ hasText: 'This session' });
  assert.equal(await current.count(), 1, 'exactly one session is marked as this one');
  assert.equal(await current.getByRole('button', { name: /^Sign out / }).count(), 0, 'this session is not offered to be signed out');
  await shot(page, '19-account-sessions');
  await sessions.filter({ hasNotText: 'This session' }).getByRole('button', { name: /^Sign out / }).click();
  await page.getByText('That session was signed out.').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Your sessions"] > li').length === 1);

  await page.getByLabel('Current password').fill(owner.password);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('New password again').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed. Your other sessions were signed out.').waitFor();
  assert.equal(await page.getByLabel('Current password').inputValue(), '', 'the form is emptied');
  await shot(page, '20-account-password-changed');
  await elsewhere.context().close();
  await page.context().close();

  const again = await newPage(browser, baseUrl);
  await again.goto('/login');
  await logInRefused(again, owner.email, owner.password);
  await logIn(again, owner.email, newPassword);
  await again.context().close();

  const forgot = await newPage(browser, baseUrl);
  await forgot.goto('/login');
  await forgot.getByRole('link', { name: 'Forgot your password?' }).click();
  await forgot.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  await forgot.getByLabel('E-mail address').fill(owner.email);
  await shot(forgot, '21-forgot-password');
  await forgot.getByRole('button', { name: 'Send the link' }).click();
  const sent = forgot.getByText(/If an account has the address .*, a link to choose a new password is on its way/);
  await sent.waitFor();
  assert.ok((await sent.textContent()).includes(owner.email));
  await shot(forgot, '22-forgot-password-sent');
  await forgot.context().close();
});

/** The text of an .eml file with quoted-printable and base64 parts decoded (the link may be in either). */
function decodedMail(raw) {
  const parts = [raw];
  if (/quoted-printable/i.test(raw)) {
    parts.push(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))));
  }
  for (const [, block] of raw.matchAll(/Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/gi)) {
    parts.push(Buffer.from(block.replace(/\s/g, ''), 'base64').toString('utf8'));
  }
  return parts.join('\n');
}

/** The newest link `pattern` finds in a mail the API wrote to `recipient` under the data directory's mail/ (waits for it). */
async function linkMailedTo(dataDir, recipient, pattern, after = new Set()) {
  const folder = join(dataDir, 'mail');
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.eml') && !after.has(name)).sort().reverse() : [];
    for (const name of files) {
      const text = decodedMail(readFileSync(join(folder, name), 'utf8'));
      const match = text.match(pattern);
      if (text.includes(recipient) && match) {
        return { name, link: match[0] };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail to ${recipient} matching ${pattern} in ${folder} within 15 s`);
}

const INVITATION_LINK = /\/invitations\/accept#token=berth_inv_[A-Za-z0-9_-]+/;

test('the owner invites a viewer by e-mail; the viewer joins from the mailed link, reads but is offered no write; the owner resends, changes the role and removes the member', async ({ browser, baseUrl, dataDir }) => {
  const owner = { email: `ola-${run}@example.test`, password: 'team owner horse battery', tenant: `ola-${run}` };
  const member = { email: `vic-${run}@example.test`, password: 'team viewer horse battery' };
  await signUp(baseUrl, owner);
  const ownerSite = `team-${run}`;
  const ownerLogin = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: owner.email, password: owner.password }) });
  const { accessToken } = await ownerLogin.json();
  const created = await fetch(`${baseUrl}/api/v1/sites`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ name: ownerSite }) });
  assert.equal(created.status, 201);

  const page = await newPage(browser, baseUrl);
  await logIn(page, owner.email, owner.password);
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
  await page.getByLabel('E-mail address').fill(member.email);
  await page.locator('select[name="role"]').selectOption('viewer');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.getByText(`Invitation sent to ${member.email}.`).waitFor();
  const pendingRow = page.locator(`[data-invitation="${member.email}"]`);
  await pendingRow.waitFor();
  const first = await linkMailedTo(dataDir, member.email, INVITATION_LINK);
  await shot(page, '23-team-invited');

  // Resent: a new link is mailed and the first one no longer opens anything.
  await pendingRow.getByRole('button', { name: `Resend to ${member.email}` }).click();
  await page.getByText(`The invitation was sent to ${member.email} again, with a new link.`).waitFor();
  const second = await linkMailedTo(dataDir, member.email, INVITATION_LINK, new Set([first.name]));
  assert.notEqual(second.link, first.link);

  const invitee = await newPage(browser, baseUrl);
  await invitee.goto(first.link);
  await invitee.getByLabel('Password', { exact: true }).fill(member.password);
  await invitee.getByLabel('Password again').fill(member.password);
  await invitee.getByRole('button', { name: 'Join the team' }).click();
  await invitee.getByRole('alert').filter({ hasText: /unknown, was used or was revoked/ }).waitFor();
  await invitee.goto('/login');
  await invitee.goto(second.link);
  await invitee.getByLabel('Password', { exact: true }).fill(member.password);
  await invitee.getByLabel('Password again').fill(member.password);
  await shot(invitee, '24-team-accept-invitation');
  await invitee.getByRole('button', { name: 'Join the team' }).click();
  await invitee.getByText(`You joined ${owner.tenant} as viewer.`).waitFor();
  await logIn(invitee, member.email, member.password);
  await invitee.locator(`[data-site="${ownerSite}"]`).waitFor();
  // A viewer reads the tenant's sites but is offered no write: no create form, no start, stop or
  // delete, the deploy and settings forms disabled.
  await invitee.getByText('Your role is viewer: you can look at sites but not change them.').waitFor();
  assert.equal(await invitee.getByLabel('Site name').count(), 0, 'a viewer is not offered to create a site');
  await invitee.getByRole('link', { name: ownerSite, exact: true }).click();
  await invitee.getByRole('heading', { level: 1, name: ownerSite }).waitFor();
  await invitee.getByText('Your role is viewer: you can look at sites but not change them.').waitFor();
  assert.equal(await invitee.getByRole('button', { name: /^(Start|Stop|Delete site…)$/ }).count(), 0, 'no start, stop or delete');
  assert.ok(await invitee.getByRole('button', { name: 'Upload and deploy' }).isDisabled(), 'deploying is disabled');
  await shot(invitee, '25-team-viewer-read-only');
  await invitee.getByRole('link', { name: 'Team', exact: true }).click();
  await invitee.getByText('You are viewer: reads.').waitFor();
  assert.equal(await invitee.getByRole('button', { name: /^Remove / }).count(), 0, 'a viewer manages nobody');
  await invitee.getByRole('button', { name: 'Leave this team…' }).waitFor();

  // The owner makes the viewer a developer, effective with the member's next request, then removes them.
  await page.reload();
  await page.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: member.email }).locator('select')
    .selectOption('developer');
  await page.getByText(`${member.email} is now developer.`).waitFor();
  await invitee.reload();
  await invitee.getByText('You are developer: creates, deploys, starts, stops and deletes sites.').waitFor();
  await shot(page, '26-team-role-changed');
  await page.getByRole('button', { name: `Remove ${member.email}` }).click();
  await page.getByText(`${member.email} was removed.`).waitFor();
  await page.waitForFunction((email) => !document.querySelector('[aria-label="Members"]')?.textContent?.includes(email), member.email);
  await shot(page, '27-team-member-removed');
  // The removed member's session ends with its next request.
  await invitee.getByRole('link', { name: 'Sites', exact: true }).click();
  await invitee.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await invitee.context().close();
  await page.context().close();
});

test('with signup closed in mind, the platform admin creates a tenant on All tenants; its owner joins from the mailed invitation and owns it', async ({ browser, baseUrl, dataDir }) => {
  const owner = { email: `cid-${run}@example.test`, password: 'invited owner horse battery', tenant: `cid-${run}` };
  const admin = await newPage(browser, baseUrl);
  await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.getByRole('link', { name: 'All tenants' }).click();
  await admin.getByLabel('Tenant name').fill(owner.tenant);
  await admin.getByLabel("Owner's e-mail address").fill(owner.email);
  await admin.getByRole('button', { name: 'Create tenant and invite its owner' }).click();
  await admin.getByText(`${owner.tenant} was created; an invitation to own it was mailed to ${owner.email}.`).waitFor();
  await admin.locator(`[data-tenant="${owner.tenant}"]`).waitFor();
  await shot(admin, '30-admin-tenant-created');
  const { link } = await linkMailedTo(dataDir, owner.email, INVITATION_LINK);
  const page = await newPage(browser, baseUrl);
  await page.goto(link);
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByLabel('Password again').fill(owner.password);
  await page.getByRole('button', { name: 'Join the team' }).click();
  await page.getByText(`You joined ${owner.tenant} as owner.`).waitFor();
  await logIn(page, owner.email, owner.password);
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await page.getByText('You are owner: everything, and hands the tenant over.').waitFor();
  await admin.context().close();
  await page.context().close();
});

test('the platform admin disables a user on All users: its open session ends and its login is refused until it is enabled again', async ({ browser, baseUrl }) => {
  const held = { email: `dot-${run}@example.test`, password: 'disabled horse battery staple', tenant: `dot-${run}` };
  await signUp(baseUrl, held);
  const userPage = await newPage(browser, baseUrl);
  await logIn(userPage, held.email, held.password);

  const admin = await newPage(browser, baseUrl);
  await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.getByRole('link', { name: 'All users' }).click();
  await admin.getByRole('heading', { level: 1, name: 'All users' }).waitFor();
  const row = admin.locator(`tr[data-user="${held.email}"]`);
  await row.waitFor();
  assert.equal(await admin.locator(`tr[data-user="${ADMIN_EMAIL}"]`).getByRole('button').count(), 0, 'the admin cannot disable itself here');
  await row.getByRole('button', { name: `Disable ${held.email}` }).click();
  await admin.getByText(`${held.email} is disabled: its sessions ended and its tokens are refused.`).waitFor();
  await row.getByText(/^Disabled since /).waitFor();
  await shot(admin, '28-admin-user-disabled');

  await userPage.getByRole('link', { name: 'Tokens' }).click();
  await userPage.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await logInRefused(userPage, held.email, held.password, /disabled/);
  await shot(userPage, '29-disabled-user-login-refused');

  await row.getByRole('button', { name: `Enable ${held.email}` }).click();
  await admin.getByText(`${held.email} can log in again.`).waitFor();
  await logIn(userPage, held.email, held.password);
  await admin.context().close();
  await userPage.context().close();
});

/** Calls the API as `email` (logged in through the API); the JSON answer, or null for an empty one. */
async function callAs(baseUrl, email, password, method, path, body) {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }) });
  assert.equal(login.status, 200, `login of ${email}`);
  const { accessToken } = await login.json();
  const answer = await fetch(`${baseUrl}/api/v1${path}`, { method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(answer.status < 300, `${method} ${path} answered ${answer.status}: ${await answer.clone().text()}`);
  const text = await answer.text();
  return text === '' ? null : JSON.parse(text);
}

test('the platform admin stops, starts and deletes a tenant\'s site on All sites and finds those calls and a suspension\'s reason in the Platform audit log; the owner reads them in the tenant\'s Audit log', async ({ browser, baseUrl }) => {
  const owner = { email: `abe-${run}@example.test`, password: 'audited horse battery staple', tenant: `abe-${run}` };
  const site = `aud-${run}`;
  await signUp(baseUrl, owner);
  await callAs(baseUrl, owner.email, owner.password, 'POST', '/sites', { name: site });
  const me = await callAs(baseUrl, owner.email, owner.password, 'GET', '/me');
  const reason = `spam reported ${run}`;
  await callAs(baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD, 'POST', `/admin/tenants/${me.tenantId}/suspend`, { reason });
  await callAs(baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD, 'POST', `/admin/tenants/${me.tenantId}/unsuspend`);

  const admin = await newPage(browser, baseUrl);
  await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.getByRole('link', { name: 'All sites' }).click();
  const row = admin.locator(`tr[data-site="${site}"]`);
  await row.getByRole('button', { name: `Stop ${site}` }).click();
  await admin.getByText(`${site}: stop requested.`).waitFor();
  await row.getByRole('button', { name: `Start ${site}` }).click();
  await admin.getByText(`${site}: start requested.`).waitFor();
  await row.getByRole('button', { name: `Stop ${site}` }).waitFor();
  await row.getByRole('button', { name: 'Delete site…' }).click();
  await row.getByLabel(`Type ${site} to confirm`).fill(site);
  await shot(admin, '31-admin-site-delete-confirm');
  await row.getByRole('button', { name: `Delete ${site}` }).click();
  await admin.getByText(`${site}: deletion requested.`).waitFor();
  // Without hostd nothing leaves a host: the site stays listed as deleting.
  await row.getByText('Deleting').first().waitFor();
  assert.equal(await row.getByRole('button', { name: 'Delete site…' }).count(), 0, 'a deleting site is not offered for deletion again');

  await admin.getByRole('link', { name: 'Platform audit log' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Platform audit log' }).waitFor();
  await admin.getByRole('table', { name: 'Audit log' }).waitFor();
  await admin.getByLabel('Tenant').locator('option', { hasText: owner.tenant }).waitFor({ state: 'attached' });
  await admin.getByLabel('Tenant').selectOption({ label: owner.tenant });
  await admin.getByRole('button', { name: 'Show entries' }).click();
  const log = admin.getByRole('table', { name: 'Audit log' });
  await log.locator('tr[data-action="adminDeleteSite"]').waitFor();
  const actions = await log.locator('tbody tr').evaluateAll((rows) => rows.map((tableRow) => tableRow.getAttribute('data-action')));
  assert.deepEqual(actions.slice(0, 3), ['adminDeleteSite', 'adminStartSite', 'adminStopSite']);
  for (const action of ['adminUnsuspendTenant', 'adminSuspendTenant', 'createSite']) {
    assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  }
  const suspension = log.locator('tr[data-action="adminSuspendTenant"]');
  assert.ok((await suspension.textContent()).includes(reason), 'the suspension\'s entry keeps its reason');
  assert.ok((await log.locator('tr[data-action="adminStopSite"]').textContent()).includes(ADMIN_EMAIL), 'the admin is the actor');
  await admin.getByLabel('Action').fill('adminSuspendTenant');
  await admin.getByRole('button', { name: 'Show entries' }).click();
  await admin.waitForFunction(() => [...document.querySelectorAll('table[aria-label="Audit log"] tbody tr')]
    .every((tableRow) => tableRow.getAttribute('data-action') === 'adminSuspendTenant'));
  assert.equal(await log.locator('tbody tr').count(), 1);
  await shot(admin, '32-admin-audit-log');
  await admin.context().close();

  const page = await newPage(browser, baseUrl);
  await logIn(page, owner.email, owner.password);
  await page.getByRole('link', { name: 'Audit log', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  const own = page.getByRole('table', { name: 'Audit log' });
  await own.locator('tr[data-action="adminStopSite"]').waitFor();
  assert.ok((await own.locator('tr[data-action="adminSuspendTenant"]').textContent()).includes(reason));
  assert.equal(await own.getByRole('columnheader', { name: 'Tenant' }).count(), 0, 'a tenant reads only its own log');
  await shot(page, '33-tenant-audit-log');
  await page.context().close();
});

test('the owner hands the tenant over on the Team page, then leaves the team: the account is gone and the new owner owns it', async ({ browser, baseUrl, dataDir }) => {
  const owner = { email: `fay-${run}@example.test`, password: 'handing over horse battery', tenant: `fay-${run}` };
  const heir = { email: `gus-${run}@example.test`, password: 'new owner horse battery' };
  await signUp(baseUrl, owner);
  await callAs(baseUrl, owner.email, owner.password, 'POST', '/tenant/invitations', { email: heir.email, role: 'developer' });
  const { link } = await linkMailedTo(dataDir, heir.email, INVITATION_LINK);
  const accepted = await fetch(`${baseUrl}/api/v1/invitations/${link.split('#token=')[1]}/accept`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: heir.password }) });
  assert.equal(accepted.status, 201);

  const page = await newPage(browser, baseUrl);
  await logIn(page, owner.email, owner.password);
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Leave this team…' }).count(), 0, 'the owner hands the tenant over first');
  await page.getByRole('button', { name: `Make ${heir.email} the owner` }).click();
  await page.getByText(`${heir.email} is now the owner; you are an admin.`).waitFor();
  await page.reload();
  await page.getByText('You are admin', { exact: false }).waitFor();
  await shot(page, '34-team-ownership-transferred');
  await page.getByRole('button', { name: 'Leave this team…' }).click();
  await page.getByRole('group', { name: 'Leave this team' }).getByText(`Leave ${owner.tenant}?`).waitFor();
  await shot(page, '35-team-leave-confirm');
  await page.getByRole('button', { name: 'Leave and remove my account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await logInRefused(page, owner.email, owner.password);
  await page.context().close();

  const successor = await newPage(browser, baseUrl);
  await logIn(successor, heir.email, heir.password);
  await successor.getByRole('link', { name: 'Team', exact: true }).click();
  await successor.getByText('You are owner: everything, and hands the tenant over.').waitFor();
  const members = successor.getByRole('list', { name: 'Members' }).getByRole('listitem');
  await members.first().waitFor();
  assert.equal(await members.count(), 1, 'the one who left is no longer a member');
  await successor.context().close();
});

test('a user finishes a password reset from the mailed link and signs in with the new password; the link works once', async ({ browser, baseUrl, dataDir }) => {
  const owner = { email: `hal-${run}@example.test`, password: 'forgotten horse battery staple', tenant: `hal-${run}` };
  const newPassword = 'remembered horse battery staple';
  await signUp(baseUrl, owner);
  const page = await newPage(browser, baseUrl);
  await page.goto('/forgot-password');
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByText(/a link to choose a new password is on its way/).waitFor();
  const { link } = await linkMailedTo(dataDir, owner.email, /\/reset-password#token=berth_pr_[A-Za-z0-9_-]+/);

  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('New password again').fill(newPassword);
  await shot(page, '36-reset-password-from-link');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await page.getByText('Your password is set, and you were logged out everywhere.').waitFor();
  await shot(page, '37-reset-password-done');
  await page.getByRole('link', { name: 'Log in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await logIn(page, owner.email, newPassword);
  await page.context().close();

  const again = await newPage(browser, baseUrl);
  await again.goto(link);
  await again.getByLabel('New password', { exact: true }).fill('a third horse battery staple');
  await again.getByLabel('New password again').fill('a third horse battery staple');
  await again.getByRole('button', { name: 'Set the password' }).click();
  await again.getByRole('link', { name: 'Ask for a new link' }).waitFor();
  await again.context().close();
});

test('the platform admin removes a user on All users after a second click: the row goes and the account cannot log in', async ({ browser, baseUrl }) => {
  const gone = { email: `ivy-${run}@example.test`, password: 'removed horse battery staple', tenant: `ivy-${run}` };
  await signUp(baseUrl, gone);
  const admin = await newPage(browser, baseUrl);
  await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.getByRole('link', { name: 'All users' }).click();
  const row = admin.locator(`tr[data-user="${gone.email}"]`);
  await row.getByRole('button', { name: `Remove ${gone.email}…` }).click();
  await shot(admin, '38-admin-user-remove-confirm');
  await row.getByRole('button', { name: `Remove ${gone.email} for good` }).click();
  await admin.getByText(`${gone.email} was removed.`).waitFor();
  await row.waitFor({ state: 'detached' });
  await admin.context().close();
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: gone.email, password: gone.password }) });
  assert.equal(login.status, 401, 'a removed account cannot log in');
});

/** RFC 4648 base32 (the authenticator key) to bytes. */
function base32Bytes(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const letter of text.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(letter);
    assert.ok(value >= 0, `not base32: ${letter}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  }
  return Buffer.from(bytes);
}

/** The code an authenticator app shows for `key` at 30-second step `step` (RFC 6238: HMAC-SHA1, 6 digits). */
function totpAt(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
const currentStep = () => Math.floor(Date.now() / 30_000);

test('a user turns on two-factor sign-in with an authenticator code computed here, keeps the recovery codes, logs in with a code and with a recovery code, and turns it off', async ({ browser, baseUrl }) => {
  const owner = { email: `tia-${run}@example.test`, password: 'two factor horse battery', tenant: `tia-${run}` };
  await signUp(baseUrl, owner);
  const page = await newPage(browser, baseUrl);
  await logIn(page, owner.email, owner.password);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const secretText = await page.getByTestId('totp-secret').textContent();
  const uri = await page.getByLabel('Setup link').inputValue();
  const key = base32Bytes(secretText);
  assert.equal(key.length, 20, 'a 160-bit key');
  assert.match(uri, new RegExp(`^otpauth://totp/Berth:${encodeURIComponent(owner.email)}\\?secret=${secretText.replace(/\s/g, '')}&issuer=Berth`));
  await shot(page, '23-two-factor-setup');

  const confirmedStep = currentStep();
  await page.getByLabel('Code from the app').fill(totpAt(key, confirmedStep));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await codes.nth(9).waitFor();
  const recoveryCodes = await codes.allTextContents();
  assert.equal(recoveryCodes.length, 10);
  assert.ok(recoveryCodes.every((code) => /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/.test(code)), recoveryCodes.join(' '));
  await page.getByText('Two-factor sign-in is on. Your other sessions were signed out.').waitFor();
  await shot(page, '24-two-factor-recovery-codes');
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByText(/10 of 10 recovery codes left/).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

  // The password alone now leads to the code step; the code of the next step (the confirming one is used up) signs in.
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByLabel('Password').press('Enter');
  const codeField = page.getByLabel('Code from your authenticator app');
  await codeField.waitFor();
  await shot(page, '25-login-asks-for-code');
  await codeField.fill(totpAt(key, confirmedStep));
  await codeField.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'That code was not accepted' }).waitFor();
  await codeField.fill(totpAt(key, Math.max(confirmedStep + 1, currentStep())));
  await codeField.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Sites' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();

  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
  await page.getByLabel('Recovery code').press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Sites' }).waitFor();

  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByText(/9 of 10 recovery codes left/).waitFor();
  await shot(page, '26-two-factor-on');
  const off = page.getByRole('form', { name: 'Turn off two-factor sign-in' });
  await off.getByLabel('Password').fill(owner.password);
  await off.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
  await page.getByText('Two-factor sign-in is off: your password alone signs you in.').waitFor();
  await page.context().close();

  const again = await newPage(browser, baseUrl);
  await logIn(again, owner.email, owner.password);
  await again.context().close();
});

test('the API answers client-side routes with the portal, and only those', async ({ baseUrl }) => {
  for (const path of ['/sites/anything', '/tokens', '/admin/tenants']) {
    const response = await fetch(`${baseUrl}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), /<div id="root">/, path);
  }
  const asset = await fetch(`${baseUrl}/assets/missing.js`);
  assert.equal(asset.status, 404, 'a missing file is still a 404');
  const api = await fetch(`${baseUrl}/api/v1/no-such-thing`);
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type') ?? '', /problem\+json/, 'unknown API paths stay problem+json');
  const post = await fetch(`${baseUrl}/sites/anything`, { method: 'POST' });
  assert.notEqual(post.status, 200, 'only reads fall back to the portal');
});


test('the interactive API reference at /api/docs renders every operation of the contract, with no inline script and nothing from another origin', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  const refused = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) {
      refused.push(message.text());
    }
  });
  const origins = new Set();
  page.on('request', (request) => origins.add(new URL(request.url()).origin));
  const response = await page.goto('/api/docs');
  assert.equal(response.status(), 200);
  const policy = response.headers()['content-security-policy'] ?? '';
  const scriptSources = (policy.split(';').map((directive) => directive.trim()).find((directive) => directive.startsWith('script-src')) ?? '');
  assert.equal(scriptSources, "script-src 'self'", `a strict script policy, got: ${policy}`);
  const contract = await (await fetch(`${baseUrl}/api/v1/openapi.yaml`)).text();
  const operations = (contract.match(/^\s+operationId:/gm) ?? []).length;
  assert.ok(operations > 30, `the contract names its operations (${operations})`);
  await page.locator('.opblock').first().waitFor();
  await page.getByText('Berth API', { exact: false }).first().waitFor();
  assert.equal(await page.locator('.opblock').count(), operations, 'every operation of openapi.yaml is rendered');
  await page.locator('#operations-Sites-createSite').waitFor();
  await page.locator('#operations-Deploys-uploadDeploy').waitFor();
  // Interactive: "Try it out" on the public health check calls this API and shows its answer.
  await page.locator('#operations-Health-getHealth .opblock-summary-control').click();
  await page.locator('#operations-Health-getHealth').getByRole('button', { name: 'Try it out' }).click();
  await page.locator('#operations-Health-getHealth').getByRole('button', { name: 'Execute' }).click();
  await page.locator('#operations-Health-getHealth .live-responses-table .response .response-col_status').first().waitFor();
  assert.match(await page.locator('#operations-Health-getHealth .live-responses-table .response .response-col_status').first().textContent(), /200/);
  await page.screenshot({ path: join(screenshots, '16-api-docs.png'), fullPage: false });
  assert.deepEqual(refused, [], 'the page needs nothing the policy refuses');
  assert.deepEqual([...origins], [new URL(baseUrl).origin], 'nothing is fetched from another origin (no CDN)');
  await page.context().close();
});

/** GET http://127.0.0.1:PORT/ with the site's Host header (and any other headers): what nginx serves for the site. */
function fromProxy(port, hostname, path = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: hostname, ...headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode, body, headers: response.headers }));
    });
    request.on('error', reject);
    request.setTimeout(10000, () => request.destroy(new Error('the proxy did not answer within 10 s')));
    request.end();
  });
}

/** A new tenant's owner, signed up and logged in, on the page of a site just created and running. */
async function ownerOnNewSite(browser, baseUrl, owner, site) {
  await signUp(baseUrl, owner);
  const page = await newPage(browser, baseUrl);
  await logIn(page, owner.email, owner.password);
  await page.getByLabel('Site name').fill(site);
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.locator(`[data-site="${site}"] .badge[data-state="running"]`).waitFor({ timeout: 90000 });
  await page.getByRole('link', { name: site, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: site }).waitFor();
  return page;
}

/** Deletes the site whose page is open, as its owner would, and waits for the site list. */
async function deleteOpenSite(page, site) {
  await page.getByRole('button', { name: 'Delete site…' }).click();
  await page.getByLabel(`Type ${site} to confirm`).fill(site);
  await page.getByRole('button', { name: `Delete ${site}` }).click();
  await page.getByRole('heading', { level: 1, name: 'Sites' }).waitFor({ timeout: 90000 });
}

hostTest('with hostd: upload → the site serves the new content → a second upload → rollback serves the first again', async ({ browser, baseUrl, hostd }) => {
  const owner = { email: `grace-${run}@example.test`, password: 'another correct horse battery', tenant: `grace-${run}` };
  const site = `live-${run}`;
  const page = await ownerOnNewSite(browser, baseUrl, owner, site);
  const deploySection = page.getByRole('region', { name: 'Deploy', exact: true });
  const history = page.getByRole('region', { name: 'Deploy history' });
  const hostname = `${site}.localhost`;

  const deployVersion = async (version) => {
    await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: `${version}.zip`, mimeType: 'application/zip',
      buffer: siteZip(`${version} of ${site}`) });
    await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
    await deploySection.getByText(`Deploy of ${version}.zip: live: visitors see it now`).waitFor({ timeout: 60000 });
    assert.equal(await deploySection.getByRole('progressbar', { name: `Uploaded ${version}.zip` }).getAttribute('aria-valuenow'), '100');
    const served = await fromProxy(hostd.proxyPort, hostname);
    assert.equal(served.status, 200);
    assert.match(served.body, new RegExp(`<h1>${version} of ${site}</h1>`));
  };
  await deployVersion('v1');

  // The visit just made shows in the site's recent requests, and the request graph counts it.
  const visitPath = `/visit-${run}`;
  assert.equal((await fromProxy(hostd.proxyPort, hostname, visitPath)).status, 404);
  const recent = page.getByRole('region', { name: 'Recent requests', exact: true });
  const visitRow = recent.getByRole('row').filter({ hasText: `GET ${visitPath}` });
  for (let attempt = 0; attempt < 20 && (await visitRow.count()) === 0; attempt++) {
    await recent.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(500);
  }
  await visitRow.waitFor();
  assert.match(await visitRow.textContent(), /404/);
  const usage = page.getByRole('region', { name: 'Usage', exact: true });
  const requestGraph = usage.getByRole('img', { name: /^Requests Latest/ });
  await page.waitForFunction(() => /peak [1-9]\d* requests?/.test(document.querySelector('.graphs figure:nth-child(3) .graph-summary')?.textContent ?? ''),
    undefined, { timeout: 30000 });
  await requestGraph.waitFor();
  assert.match(await usage.getByRole('img', { name: /^Memory Latest/ }).getAttribute('aria-labelledby') ?? '', /desc/);
  assert.ok(await usage.locator('path.graph-line').count() >= 2, 'memory and requests are drawn');
  await page.getByRole('region', { name: 'HTTPS certificate' }).getByText('No HTTPS certificate').waitFor();
  await recent.scrollIntoViewIfNeeded();
  await shot(page, '16a-hostd-usage-and-requests');

  await deployVersion('v2');
  await history.locator('li[data-status="live"]').filter({ hasText: 'Serving now' }).waitFor();
  await shot(page, '16-hostd-two-deploys');

  // The first upload was replaced by the second: roll back to it.
  const first = history.locator('li[data-status="superseded"]');
  await first.waitFor();
  await first.getByRole('button', { name: 'Roll back to this…' }).click();
  await first.getByRole('button', { name: 'Roll back', exact: true }).click();
  await history.getByText('Rollback: live: visitors see it now').waitFor({ timeout: 60000 });
  const served = await fromProxy(hostd.proxyPort, hostname);
  assert.equal(served.status, 200);
  assert.match(served.body, new RegExp(`<h1>v1 of ${site}</h1>`), 'the rollback serves the first upload again');
  await history.locator('li[data-status="live"]', { hasText: 'Rollback' }).waitFor();
  await shot(page, '17-hostd-rolled-back');

  // Clean up through the API, so that hostd removes the site's container, network and files.
  await deleteOpenSite(page, site);
  await page.getByText(`Site ${site} deleted.`).waitFor();
  assert.equal((await fromProxy(hostd.proxyPort, hostname)).status, 404, 'a deleted site is an unknown host');
  await page.context().close();
});

/** Polls the proxy until the site answers {@code status} (a protection takes effect within seconds). */
async function awaitProxy(port, hostname, path, status, headers = {}) {
  let last = null;
  for (let attempt = 0; attempt < 60; attempt++) {
    last = await fromProxy(port, hostname, path, headers);
    if (last.status === status) {
      return last;
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${hostname}${path} answered ${last?.status}, not ${status}`);
}

hostTest('with hostd: the user protects a site with a password in the Protection section, nginx asks for it, and removing it opens the site', async ({ browser, baseUrl, hostd }) => {
  const owner = { email: `lin-${run}@example.test`, password: 'yet another correct horse battery', tenant: `lin-${run}` };
  const site = `guard-${run}`;
  const hostname = `${site}.localhost`;
  const page = await ownerOnNewSite(browser, baseUrl, owner, site);
  await awaitProxy(hostd.proxyPort, hostname, '/', 200);

  const protection = page.getByRole('region', { name: 'Protection', exact: true });
  await protection.getByText('Open: anybody with the address can visit.').waitFor();
  await protection.getByRole('textbox', { name: 'User name' }).fill('preview');
  await protection.getByLabel('Password').fill('short');
  await protection.getByRole('button', { name: 'Protect the site' }).click();
  await protection.getByText(/The password must be between 10 and 128 characters long/).waitFor();
  assert.equal(await protection.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  await protection.getByLabel('Password').fill('a long shared secret');
  await protection.getByRole('button', { name: 'Protect the site' }).click();
  await protection.getByText(/^Saved\. The site asks for the user name preview/).waitFor();
  await protection.locator('[data-protection="protected"]').filter({ hasText: 'The site asks for the user name preview and its password.' })
    .waitFor();
  assert.equal(await protection.getByLabel('Password').inputValue(), '', 'the password is not kept in the form');

  const asked = await awaitProxy(hostd.proxyPort, hostname, '/', 401);
  assert.equal(asked.headers['www-authenticate'], `Basic realm="${hostname}", charset="UTF-8"`);
  const wrong = await fromProxy(hostd.proxyPort, hostname, '/', { Authorization: `Basic ${Buffer.from('preview:wrong one!').toString('base64')}` });
  assert.equal(wrong.status, 401);
  const right = await fromProxy(hostd.proxyPort, hostname, '/',
    { Authorization: `Basic ${Buffer.from('preview:a long shared secret').toString('base64')}` });
  assert.equal(right.status, 200);
  assert.match(right.body, new RegExp(site));
  await protection.scrollIntoViewIfNeeded();
  await shot(page, '18-hostd-site-protected');

  await protection.getByRole('button', { name: 'Remove protection' }).click();
  await protection.getByText('Protection removed: the site is open to everybody again.').waitFor();
  await protection.getByText('Open: anybody with the address can visit.').waitFor();
  await awaitProxy(hostd.proxyPort, hostname, '/', 200);

  await deleteOpenSite(page, site);
  await page.context().close();
});

hostTest('with hostd: the user deploys _redirects, _headers and a 404 page, switches SPA and clean URLs in the Serving section, and nginx answers by them; a bad rule is refused with its line', async ({ browser, baseUrl, hostd }) => {
  const owner = { email: `ren-${run}@example.test`, password: 'one more correct horse battery', tenant: `ren-${run}` };
  const site = `rules-${run}`;
  const hostname = `${site}.localhost`;
  const page = await ownerOnNewSite(browser, baseUrl, owner, site);
  const deploySection = page.getByRole('region', { name: 'Deploy', exact: true });

  const release = (redirects) => zip([
    { name: 'index.html', data: `<h1>home of ${site}</h1>` },
    { name: 'about.html', data: `<h1>about ${site}</h1>` },
    { name: '404.html', data: `<h1>lost on ${site}</h1>` },
    { name: '_redirects', data: redirects },
    { name: '_headers', data: '/*\n  X-Frame-Options: DENY\n' },
  ]);
  await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: 'rules.zip', mimeType: 'application/zip',
    buffer: release('/old-page  /about  301\n/news/*  /about.html  200\n') });
  await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
  await deploySection.getByText('Deploy of rules.zip: live: visitors see it now').waitFor({ timeout: 60000 });

  const moved = await awaitProxy(hostd.proxyPort, hostname, '/old-page', 301);
  assert.match(moved.headers.location, /\/about$/);
  const rewritten = await fromProxy(hostd.proxyPort, hostname, '/news/today');
  assert.equal(rewritten.status, 200);
  assert.match(rewritten.body, new RegExp(`about ${site}`));
  assert.equal((await fromProxy(hostd.proxyPort, hostname, '/')).headers['x-frame-options'], 'DENY');
  const lost = await fromProxy(hostd.proxyPort, hostname, '/no/such/page');
  assert.equal(lost.status, 404);
  assert.match(lost.body, new RegExp(`lost on ${site}`));
  assert.equal((await fromProxy(hostd.proxyPort, hostname, '/about')).status, 404, 'clean URLs are off');

  const serving = page.getByRole('region', { name: 'Serving', exact: true });
  await serving.locator('[data-serving="plain"]').waitFor();
  await serving.getByRole('checkbox', { name: /Single-page app/ }).check();
  await serving.getByRole('checkbox', { name: /Clean URLs/ }).check();
  await serving.getByRole('button', { name: 'Save serving settings' }).click();
  await serving.getByText(/^Saved\. .* It takes effect within seconds\.$/).waitFor();
  await serving.locator('[data-serving="switched"]').waitFor();
  const clean = await awaitProxy(hostd.proxyPort, hostname, '/about', 200);
  assert.match(clean.body, new RegExp(`about ${site}`));
  const app = await awaitProxy(hostd.proxyPort, hostname, '/app/settings', 200);
  assert.match(app.body, new RegExp(`home of ${site}`), 'the SPA fallback serves /index.html');
  await serving.scrollIntoViewIfNeeded();
  await shot(page, '19-hostd-serving-rules');

  // A rule that would smuggle configuration: refused at deploy naming its line; the live release stays.
  await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: 'bad-rules.zip', mimeType: 'application/zip',
    buffer: release('/a /b\n/x /y; return 200 "pwned" 301\n') });
  await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
  await deploySection.getByRole('alert').filter({ hasText: '_redirects line 2' }).waitFor({ timeout: 60000 });
  assert.match(await deploySection.getByRole('alert').textContent(), /Your live site is unchanged\.$/);
  assert.equal((await fromProxy(hostd.proxyPort, hostname, '/old-page')).status, 301);
  await shot(page, '19b-hostd-serving-rule-refused');

  await deleteOpenSite(page, site);
  await page.context().close();
});

hostTest('with hostd: the user picks the MkDocs build step, uploads Markdown, follows the build in the deploy log, and nginx serves the built site; a failing build keeps it', async ({ browser, baseUrl, hostd }) => {
  const owner = { email: `mae-${run}@example.test`, password: 'yet another correct horse battery', tenant: `mae-${run}` };
  const site = `docs-${run}`;
  const hostname = `${site}.localhost`;
  const page = await ownerOnNewSite(browser, baseUrl, owner, site);
  const build = page.getByRole('region', { name: 'Build', exact: true });
  await build.locator('[data-build="off"]').waitFor();
  await build.getByRole('button', { name: 'MkDocs' }).click();
  assert.equal(await build.getByRole('textbox', { name: 'Build command' }).inputValue(), 'mkdocs build');
  await build.getByRole('button', { name: 'Save build step' }).click();
  await build.getByText(/^Saved\. The next deploy runs the build/).waitFor();
  await build.locator('[data-build="on"]').waitFor();

  const deploySection = page.getByRole('region', { name: 'Deploy', exact: true });
  await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: 'handbook.zip', mimeType: 'application/zip',
    buffer: zip([{ name: 'mkdocs.yml', data: `site_name: Handbook of ${site}\n` },
      { name: 'docs/index.md', data: '# Welcome aboard\n\nWritten in **Markdown**, built on the host.\n' }]) });
  await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
  await deploySection.getByText('Deploy of handbook.zip: live: visitors see it now').waitFor({ timeout: 90000 });
  const built = await awaitProxy(hostd.proxyPort, hostname, '/', 200);
  assert.match(built.body, /Welcome aboard/);
  assert.match(built.body, new RegExp(`Handbook of ${site}`));
  assert.equal((await fromProxy(hostd.proxyPort, hostname, '/mkdocs.yml')).status, 404, 'only the output folder is published');

  const history = page.getByRole('region', { name: 'Deploy history' });
  const liveDeploy = history.locator('li[data-status="live"]');
  await liveDeploy.getByRole('button', { name: 'Show log' }).click();
  const log = liveDeploy.getByLabel('Deploy log');
  await log.waitFor();
  assert.match(await log.textContent(), /\| INFO\s+-\s+Building documentation/);
  await build.scrollIntoViewIfNeeded();
  await shot(page, '20-hostd-build');

  // Sources without their mkdocs.yml: MkDocs fails, the deploy says so, the built site stays.
  await deploySection.getByLabel('Archive (.zip or .tar.gz)').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip',
    buffer: zip([{ name: 'docs/index.md', data: '# Never published\n' }]) });
  await deploySection.getByRole('button', { name: 'Upload and deploy' }).click();
  await deploySection.getByText(/^Deploy of broken\.zip: failed; the live site is unchanged \(the build command exited with \d+\)$/)
    .waitFor({ timeout: 90000 });
  assert.match((await fromProxy(hostd.proxyPort, hostname, '/')).body, /Welcome aboard/);
  const failedDeploy = history.locator('li[data-status="failed"]');
  await failedDeploy.getByRole('button', { name: 'Show log' }).click();
  await failedDeploy.getByLabel('Deploy log').waitFor();
  assert.match(await failedDeploy.getByLabel('Deploy log').textContent(), /mkdocs\.yml/);
  await shot(page, '20b-hostd-build-failed');

  await deleteOpenSite(page, site);
  await page.context().close();
});

hostTest('with hostd: an admin sees the host healthy, with its versions and capacity', async ({ browser, baseUrl }) => {
  const page = await newPage(browser, baseUrl);
  await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Host health' }).click();
  await page.getByRole('heading', { level: 1, name: 'Host health' }).waitFor();
  await page.locator('[data-health="healthy"]').waitFor();
  const components = page.getByRole('region', { name: 'Components' });
  assert.match(await components.textContent(), /runc version \d/);
  assert.match(await components.textContent(), /nginx/);
  assert.match(await components.textContent(), /IPv4 forwarding\s*off/);
  await page.getByRole('meter', { name: 'Memory in use' }).waitFor();
  await shot(page, '18-hostd-admin-host');
  await page.context().close();
});

finalTest('every page passes axe-core\'s WCAG 2.1 AA checks', async () => {
  assert.ok(accessibilityChecked.length >= 10, `only ${accessibilityChecked.length} pages were checked`);
  assert.ok(accessibilityChecked.every((line) => !line.includes(': 0 rules')), accessibilityChecked.join('; '));
  assert.deepEqual(accessibilityFindings, []);
  console.log(`    axe-core: ${accessibilityChecked.join('; ')}`);
});

finalTest('no credential ever travels in a URL', async () => {
  assert.ok(requestedUrls.length > 0);
  const leaks = requestedUrls.filter((url) => url.includes(user.password) || url.includes(ADMIN_PASSWORD)
    || /eyJ[A-Za-z0-9_-]{10,}/.test(url) || url.includes('berth_pat_') || (tokenSecret && url.includes(tokenSecret))
    || /refresh[_-]?token=/i.test(url) || (webhookSecret && url.includes(webhookSecret)));
  assert.deepEqual(leaks, []);
});

let passed = 0;
let failed = 0;
/** BERTH_E2E_ONLY=REGEX runs only the flows whose name matches (while developing one). */
const only = process.env.BERTH_E2E_ONLY ? new RegExp(process.env.BERTH_E2E_ONLY) : null;
async function runAll(list, context) {
  for (const { name, body } of list.filter((flow) => only === null || only.test(flow.name))) {
    const started = Date.now();
    try {
      await body(context);
      passed++;
      console.log(`✔ ${name} (${Date.now() - started} ms)`);
    } catch (failure) {
      failed++;
      console.log(`✘ ${name}\n    ${String(failure?.stack ?? failure).split('\n').slice(0, 6).join('\n    ')}`);
    }
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const stack = await startStack({ jar, outputDir: output, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
  try {
    await runAll(tests, { browser, baseUrl: stack.baseUrl, dataDir: stack.dataDir });
  } finally {
    await stack.stop();
  }

  const hostdJar = resolve(process.env.BERTH_HOSTD_JAR ?? join(here, '../../../hostd/target/berth-hostd-0.1.0-SNAPSHOT-all.jar'));
  const why = hostdUnavailable(hostdJar);
  if (why !== null) {
    console.log(`- skipped ${hostTests.length} flow(s) with hostd: ${why}`);
  } else {
    const hostd = await startHostd({ jar: hostdJar, outputDir: output });
    try {
      const hostStack = await startStack({ jar, outputDir: output, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD,
        hostd, logName: 'api-with-hostd.log' });
      try {
        await runAll(hostTests, { browser, baseUrl: hostStack.baseUrl, hostd });
      } finally {
        await hostStack.stop();
      }
    } finally {
      await hostd.stop();
    }
  }
  await runAll(finalTests, {});
} finally {
  await browser.close();
}
console.log(`screenshots: ${screenshots}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
