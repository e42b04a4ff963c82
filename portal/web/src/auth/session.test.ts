import { describe, expect, it } from 'vitest';
import { REFRESH_TOKEN_KEY, Session } from './session';
import { FakeApi, json, problem, tokenPair } from '../test/fakeApi';

function sessionWith(fake: FakeApi, now = () => 1_000_000) {
  return new Session({ storage: sessionStorage, fetchApi: fake.fetch, now });
}

describe('Session', () => {
  it('keeps the access token in memory and only the refresh token in sessionStorage', async () => {
    const fake = new FakeApi().on('POST', '/auth/login', () => json(200, tokenPair(1)));
    const session = sessionWith(fake);
    await session.logIn('ada@example.com', 'correct horse battery');
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1');
    expect(JSON.stringify({ ...sessionStorage })).not.toContain('access-1');
    expect(await session.accessTokenForRequest()).toBe('access-1');
  });

  it('sends credentials only in request bodies, never in the URL', async () => {
    const fake = new FakeApi().on('POST', '/auth/login', () => json(200, tokenPair(1)));
    await sessionWith(fake).logIn('ada@example.com', 'correct horse battery');
    const [login] = fake.requests;
    expect(login.path).toBe('/auth/login');
    expect(login.body).toEqual({ email: 'ada@example.com', password: 'correct horse battery' });
  });

  it('serializes refreshes: concurrent requests share one rotation of the refresh token', async () => {
    let rotations = 0;
    const fake = new FakeApi().on('POST', '/auth/refresh', async () => {
      rotations++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return json(200, tokenPair(rotations));
    });
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    const session = sessionWith(fake);
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => session.accessTokenForRequest()));
    expect(rotations).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['access-1']));
    expect(fake.requests[0].body).toEqual({ refreshToken: 'refresh-0' });
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1');
  });

  it('renews the access token shortly before it expires, with the rotated refresh token', async () => {
    let clock = 1_000_000;
    let rotations = 0;
    const fake = new FakeApi()
      .on('POST', '/auth/login', () => json(200, tokenPair(0, 900)))
      .on('POST', '/auth/refresh', () => json(200, tokenPair(++rotations, 900)));
    const session = sessionWith(fake, () => clock);
    await session.logIn('ada@example.com', 'correct horse battery');
    clock += 800_000;
    expect(await session.accessTokenForRequest()).toBe('access-0');
    clock += 80_000; // 20 s before expiry
    expect(await session.accessTokenForRequest()).toBe('access-1');
    expect(fake.sent('POST', '/auth/refresh')[0].body).toEqual({ refreshToken: 'refresh-0' });
  });

  it('ends the session when the API refuses the refresh token', async () => {
    const fake = new FakeApi().on('POST', '/auth/refresh', () => problem(401, 'the refresh token is invalid'));
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'stolen-and-replayed');
    const session = sessionWith(fake);
    const events: boolean[] = [];
    session.subscribe((signedIn) => events.push(signedIn));
    expect(await session.accessTokenForRequest()).toBe('');
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(session.active).toBe(false);
    expect(events).toEqual([false]);
  });

  it('keeps the refresh token when the API cannot be reached', async () => {
    const fake = new FakeApi().on('POST', '/auth/refresh', () => {
      throw new TypeError('network down');
    });
    sessionStorage.setItem(REFRESH_TOKEN_KEY, 'refresh-0');
    await expect(sessionWith(fake).refresh()).rejects.toThrow();
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-0');
  });

  it('logs out on the server with the current refresh token and forgets both tokens', async () => {
    const fake = new FakeApi()
      .on('POST', '/auth/login', () => json(200, tokenPair(1)))
      .on('POST', '/auth/logout', () => new Response(null, { status: 204 }));
    const session = sessionWith(fake);
    await session.logIn('ada@example.com', 'correct horse battery');
    await session.logOut();
    const [logout] = fake.sent('POST', '/auth/logout');
    expect(logout.body).toEqual({ refreshToken: 'refresh-1' });
    expect(logout.headers.get('Authorization')).toBe('Bearer access-1');
    expect(session.active).toBe(false);
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });
});
