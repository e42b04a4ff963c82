import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { WebhooksPage } from './WebhooksPage';
import { FakeApi, json, problem } from '../test/fakeApi';
import { renderSignedIn } from '../test/render';

const ENDPOINT = {
  id: '33333333-3333-3333-3333-333333333333',
  url: 'https://ci.example.com/berth',
  description: 'CI',
  eventTypes: ['deploy.live', 'deploy.failed'],
  enabled: true,
  createdAt: '2026-11-29T10:00:00Z',
  updatedAt: '2026-11-29T10:00:00Z',
};
const DELIVERY = {
  id: '44444444-4444-4444-4444-444444444444',
  endpointId: ENDPOINT.id,
  eventId: '55555555-5555-5555-5555-555555555555',
  eventType: 'deploy.failed',
  status: 'failed',
  attempts: 14,
  responseStatus: 503,
  lastError: 'the endpoint answered 503',
  createdAt: '2026-11-29T10:00:00Z',
};

function withPreferences(fake: FakeApi, eventTypes: string[] = []): FakeApi {
  return fake.on('GET', '/me/notifications', () => json(200, { email: 'ada@example.com', eventTypes }));
}

describe('WebhooksPage', () => {
  it('adds an endpoint and shows its signing secret once, with a copy button', async () => {
    let items: unknown[] = [];
    const fake = withPreferences(new FakeApi())
      .on('GET', '/webhooks', () => json(200, { items }))
      .on('POST', '/webhooks', () => {
        items = [ENDPOINT];
        return json(201, { ...ENDPOINT, secret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw==' });
      });
    const user = userEvent.setup();
    renderSignedIn(fake, <WebhooksPage />);
    await user.type(await screen.findByLabelText('URL'), 'https://ci.example.com/berth');
    await user.type(screen.getByLabelText('Description (optional)'), 'CI');
    await user.click(screen.getByRole('button', { name: 'Add endpoint' }));
    const secret = await screen.findByLabelText('Signing secret');
    expect(secret).toHaveValue('whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw==');
    expect(fake.sent('POST', '/webhooks')[0].body).toEqual({
      url: 'https://ci.example.com/berth', description: 'CI', eventTypes: ['deploy.live', 'deploy.failed'],
    });
    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(await navigator.clipboard.readText()).toBe('whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw==');
    await user.click(screen.getByRole('button', { name: 'I have saved it' }));
    expect(screen.queryByText(/whsec_/)).not.toBeInTheDocument();
    const list = await screen.findByRole('list', { name: 'Endpoints' });
    await waitFor(() => expect(within(list).getByText('https://ci.example.com/berth')).toBeInTheDocument());
  });

  it('shows the API\'s refusal of a private address at the URL field', async () => {
    const fake = withPreferences(new FakeApi())
      .on('GET', '/webhooks', () => json(200, { items: [] }))
      .on('POST', '/webhooks', () => problem(400, 'refused', [{ field: 'url', message:
        "the endpoint host '10.0.0.1' resolves to 10.0.0.1, which is not a public unicast address" }]));
    const user = userEvent.setup();
    renderSignedIn(fake, <WebhooksPage />);
    await user.type(await screen.findByLabelText('URL'), 'https://10.0.0.1/hook');
    await user.click(screen.getByRole('button', { name: 'Add endpoint' }));
    expect(await screen.findByText(/not a public unicast address/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Signing secret')).not.toBeInTheDocument();
  });

  it('asks for a URL and an event before sending anything', async () => {
    const fake = withPreferences(new FakeApi()).on('GET', '/webhooks', () => json(200, { items: [] }));
    const user = userEvent.setup();
    renderSignedIn(fake, <WebhooksPage />);
    await user.click(await screen.findByLabelText(/Deploy live/, { selector: '[name="endpoint-events"]' }));
    await user.click(screen.getByLabelText(/Deploy failed/, { selector: '[name="endpoint-events"]' }));
    await user.click(screen.getByRole('button', { name: 'Add endpoint' }));
    expect(screen.getByText('Enter the address of your receiver, such as https://ci.example.com/berth.')).toBeInTheDocument();
    expect(screen.getByText('Choose at least one event.')).toBeInTheDocument();
    expect(fake.sent('POST', '/webhooks')).toHaveLength(0);
  });

  it('sends a test event, lists deliveries with their status and answer, and redelivers one', async () => {
    const fake = withPreferences(new FakeApi())
      .on('GET', '/webhooks', () => json(200, { items: [ENDPOINT] }))
      .on('POST', `/webhooks/${ENDPOINT.id}/test`, () => json(202, { ...DELIVERY, id: '6', eventType: 'webhook.test', status: 'pending', attempts: 0 }))
      .on('GET', `/webhooks/${ENDPOINT.id}/deliveries`, () => json(200, { items: [DELIVERY] }))
      .on('POST', `/webhooks/${ENDPOINT.id}/deliveries/${DELIVERY.id}/redeliver`, () => json(202, { ...DELIVERY, id: '7', status: 'pending' }));
    const user = userEvent.setup();
    renderSignedIn(fake, <WebhooksPage />);
    await user.click(await screen.findByRole('button', { name: 'Send a test event' }));
    expect(await screen.findByText('Test event sent to https://ci.example.com/berth.')).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Deliveries to https://ci.example.com/berth' });
    expect(within(table).getByText('Failed')).toBeInTheDocument();
    expect(within(table).getByText('503')).toBeInTheDocument();
    expect(within(table).getByText('the endpoint answered 503')).toBeInTheDocument();
    await user.click(within(table).getByRole('button', { name: /Redeliver deploy.failed/ }));
    await waitFor(() => expect(fake.sent('POST', `/webhooks/${ENDPOINT.id}/deliveries/${DELIVERY.id}/redeliver`)).toHaveLength(1));
  });

  it('lets the member choose the events e-mailed to them', async () => {
    const fake = withPreferences(new FakeApi(), ['quota.near'])
      .on('GET', '/webhooks', () => json(200, { items: [] }))
      .on('PUT', '/me/notifications', (request) => json(200, { email: 'ada@example.com', ...(request.body as object) }));
    const user = userEvent.setup();
    renderSignedIn(fake, <WebhooksPage />);
    expect(await screen.findByText('ada@example.com')).toBeInTheDocument();
    const quota = screen.getByLabelText(/Quota at 80%/, { selector: '[name="notification-events"]' });
    await waitFor(() => expect(quota).toBeChecked());
    await user.click(screen.getByLabelText(/Deploy failed/, { selector: '[name="notification-events"]' }));
    await user.click(screen.getByRole('button', { name: 'Save notifications' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(fake.sent('PUT', '/me/notifications')[0].body).toEqual({ eventTypes: ['quota.near', 'deploy.failed'] });
  });
});
