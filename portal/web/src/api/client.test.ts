import { describe, expect, it } from 'vitest';
import { createApi } from './client';
import { REFRESH_TOKEN_KEY, Session } from '../auth/session';
import { FakeApi, json, problem, tokenPair } from '../test/fakeApi';

describe('createApi', () => {
  it('renews the session once and retries when the API answers 401 to a token it revoked', async () => {
    let rotations = 0;
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => json(200, tokenPair(++rotations)))
      .on('GET', '/sites', (request) => (request.headers.get('Authorization') === 'Bearer access-1'
        ? problem(401, 'the token is invalid, expired or revoked') : json(200, { items: [] })));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    const session = new Session({ storage: sessionStorage, fetchApi: fake.fetch });
    const api = createApi(session, { fetchApi: fake.fetch });
    await expect(api.sites.listSites()).resolves.toEqual({ items: [] });
    expect(rotations).toBe(2);
    expect(fake.sent('GET', '/sites').map((r) => r.headers.get('Authorization'))).toEqual(['Bearer access-1', 'Bearer access-2']);
  });

  it('gives up after one renewal, so a refused session ends instead of looping', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/refresh', () => problem(401, 'refresh token reused'))
      .on('GET', '/sites', () => problem(401, 'no'));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    const session = new Session({ storage: sessionStorage, fetchApi: fake.fetch });
    await expect(createApi(session, { fetchApi: fake.fetch }).sites.listSites()).rejects.toThrow();
    expect(session.active).toBe(false);
  });
});
